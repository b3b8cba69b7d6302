/** FNV-1a of a string, seeded by `salt`, as an unsigned 32-bit integer: a stable order from ids. */
export function fnv1a(s: string, salt = 0): number {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
