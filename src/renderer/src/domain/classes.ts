// The classes the annotator sees: the task's class ids turned into readable names, each with
// its key (1-9) and a colour used consistently in chips and charts.
import { LABEL_SET_PRESETS } from './label-sets';
import { MAX_KEYED_CLASSES } from './keymap';

export interface ClassInfo {
  index: number;
  code: string;
  name: string;
  key: string | null;
  color: string;
}

// Calm, distinguishable in light and dark themes, none of them alarm-red.
const PALETTE = ['#2563eb', '#0d9488', '#d97706', '#7c3aed', '#db2777', '#059669', '#0891b2', '#65a30d', '#9333ea', '#ea580c'];

export function describeClasses(classNames: readonly string[]): ClassInfo[] {
  const known = new Map<string, string>();
  for (const set of LABEL_SET_PRESETS) for (const c of set.classes) known.set(c.code.toLowerCase(), c.name);
  return classNames.map((raw, index) => {
    const readable = known.get(raw.toLowerCase());
    return {
      index,
      code: raw,
      name: readable ?? raw.charAt(0).toUpperCase() + raw.slice(1),
      key: index < MAX_KEYED_CLASSES ? String(index + 1) : null,
      color: PALETTE[index % PALETTE.length]!,
    };
  });
}
