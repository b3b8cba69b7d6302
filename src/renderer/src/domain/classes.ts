// The classes the annotator sees: the task's class ids turned into readable names, each with
// its key (1-9) and a colour used consistently in chips and charts.
import { LABEL_SET_PRESETS } from './label-sets';
import { MAX_KEYED_CLASSES } from './keymap';

export interface ClassInfo {
  index: number;
  code: string;
  name: string;
  /** Short form for buttons and narrow panels. */
  short: string;
  key: string | null;
  color: string;
}

// Calm, distinguishable in light and dark themes, none of them alarm-red.
const PALETTE = ['#2563eb', '#0d9488', '#d97706', '#7c3aed', '#db2777', '#059669', '#0891b2', '#65a30d', '#9333ea', '#ea580c'];

export function describeClasses(classNames: readonly string[]): ClassInfo[] {
  // The API's preset ids are dataset codes or plain names; both map to the readable names here.
  const known = new Map<string, { name: string; short: string }>();
  for (const set of LABEL_SET_PRESETS) {
    for (const c of set.classes) {
      const v = { name: c.name, short: c.short ?? c.name };
      known.set(c.code.toLowerCase(), v);
      known.set(c.name.toLowerCase(), v);
    }
  }
  return classNames.map((raw, index) => {
    const readable = known.get(raw.toLowerCase());
    const fallback = raw.charAt(0).toUpperCase() + raw.slice(1);
    return {
      index,
      code: raw,
      name: readable?.name ?? fallback,
      short: readable?.short ?? fallback,
      key: index < MAX_KEYED_CLASSES ? String(index + 1) : null,
      color: PALETTE[index % PALETTE.length]!,
    };
  });
}
