// Importing existing labels from a CSV (issue 17), as pure functions: parse the file, guess
// which column names the image and which the class, and plan what an import would do (new
// labels, labels already there, different labels already there, excluded images, and the rows
// that match nothing, each with its reason) so the screen can preview it before anything is written.
import type { ClassInfo } from './classes';

export interface CsvTable {
  header: string[];
  rows: string[][];
}

export class CsvError extends Error {
  override readonly name = 'CsvError';
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF). A header row is required. */
export function parseCsv(text: string, maxRows = 200_000): CsvTable {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const ch = src[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      record.push(field);
      field = '';
      if (record.some((f) => f.trim() !== '')) records.push(record);
      record = [];
      if (records.length > maxRows + 1) throw new CsvError(`the file has more than ${maxRows.toLocaleString()} rows`);
    } else field += ch;
  }
  if (quoted) throw new CsvError('the file ends inside a quoted field (a " is not closed)');
  record.push(field);
  if (record.some((f) => f.trim() !== '')) records.push(record);
  const [header, ...rows] = records;
  if (!header) throw new CsvError('the file is empty');
  if (rows.length === 0) throw new CsvError('the file has a header but no rows');
  return { header: header.map((h) => h.trim()), rows: rows.map((r) => r.map((f) => f.trim())) };
}

/** A cell's class: its code or full name (any case), or a 0-based class index; null if none. */
export function classOf(value: string, classes: readonly ClassInfo[]): number | null {
  const v = value.trim().toLowerCase();
  if (v === '') return null;
  const byName = classes.find((c) => c.code.toLowerCase() === v || c.name.toLowerCase() === v);
  if (byName) return byName.index;
  if (/^\d+$/.test(v) && Number(v) < classes.length) return Number(v);
  return null;
}

/** Keys an image is found by: its file name, the name without extension, its sample id. */
export function imageKeys(fileName: string, sampleId: string): string[] {
  const base = fileName.replace(/^.*[\\/]/, '');
  const stem = base.replace(/\.[^.]+$/, '');
  return [...new Set([base.toLowerCase(), stem.toLowerCase(), sampleId.toLowerCase()])];
}

export interface ImageRef {
  sampleId: string;
  fileName: string;
  /** Current class, -1 when none. */
  labelClass: number;
  excluded: boolean;
}

export interface Mapping {
  imageColumn: number;
  classColumn: number;
}

/** The column whose values name the most images, and the one whose values are classes most often (ties: leftmost). */
export function guessMapping(table: CsvTable, images: readonly ImageRef[], classes: readonly ClassInfo[]): Mapping {
  const keys = new Set(images.flatMap((i) => imageKeys(i.fileName, i.sampleId)));
  const sample = table.rows.slice(0, 500);
  const score = (col: number, f: (v: string) => boolean) => sample.filter((r) => f(r[col] ?? '')).length;
  let imageColumn = 0;
  let best = -1;
  table.header.forEach((_, col) => {
    const s = score(col, (v) => keys.has(v.toLowerCase()) || keys.has(v.toLowerCase().replace(/\.[^.]+$/, '')));
    if (s > best) [best, imageColumn] = [s, col];
  });
  // Names beat indices: a column of class codes is preferred over one of numbers that happen to be valid.
  let classColumn = imageColumn === 0 ? 1 : 0;
  best = -1;
  table.header.forEach((_, col) => {
    if (col === imageColumn) return;
    const s = score(col, (v) => classOf(v, classes) !== null) * 2 + score(col, (v) => classOf(v, classes) !== null && !/^\d+$/.test(v));
    if (s > best) [best, classColumn] = [s, col];
  });
  return { imageColumn, classColumn };
}

export type UnmatchedReason = 'no image with this name in the workspace' | 'the class is not in this label set' | 'no image name in this row';

export interface LabelPlan {
  /** New labels or changes to write (changes only when overwriting). */
  writes: { sampleId: string; fileName: string; classIndex: number; previous: number }[];
  /** Images that already carry this very class. */
  unchanged: number;
  /** Images that carry another class (written only when overwriting). */
  conflicts: { sampleId: string; fileName: string; classIndex: number; previous: number }[];
  /** Images excluded from the study (never labeled by an import). */
  excluded: string[];
  unmatched: { line: number; value: string; reason: UnmatchedReason }[];
  rows: number;
}

export function planLabelImport(table: CsvTable, mapping: Mapping, images: readonly ImageRef[], classes: readonly ClassInfo[], overwrite: boolean): LabelPlan {
  const byKey = new Map<string, ImageRef[]>();
  for (const img of images) for (const k of imageKeys(img.fileName, img.sampleId)) byKey.set(k, [...(byKey.get(k) ?? []), img]);
  const plan: LabelPlan = { writes: [], unchanged: 0, conflicts: [], excluded: [], unmatched: [], rows: table.rows.length };
  const seen = new Set<string>();
  table.rows.forEach((row, i) => {
    const line = i + 2; // 1-based, after the header
    const key = (row[mapping.imageColumn] ?? '').trim();
    const value = (row[mapping.classColumn] ?? '').trim();
    if (!key) return void plan.unmatched.push({ line, value: key, reason: 'no image name in this row' });
    const found = byKey.get(key.toLowerCase()) ?? byKey.get(key.toLowerCase().replace(/\.[^.]+$/, ''));
    if (!found) return void plan.unmatched.push({ line, value: key, reason: 'no image with this name in the workspace' });
    const cls = classOf(value, classes);
    if (cls === null) return void plan.unmatched.push({ line, value: `${key}: ${value}`, reason: 'the class is not in this label set' });
    // One name can match several images (the same lesion imported at two sizes): each is labeled.
    for (const img of found) {
      if (seen.has(img.sampleId)) continue;
      seen.add(img.sampleId);
      if (img.excluded) plan.excluded.push(img.fileName);
      else if (img.labelClass === cls) plan.unchanged++;
      else if (img.labelClass >= 0) {
        const c = { sampleId: img.sampleId, fileName: img.fileName, classIndex: cls, previous: img.labelClass };
        plan.conflicts.push(c);
        if (overwrite) plan.writes.push(c);
      } else plan.writes.push({ sampleId: img.sampleId, fileName: img.fileName, classIndex: cls, previous: -1 });
    }
  });
  return plan;
}
