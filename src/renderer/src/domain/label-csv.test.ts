import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeClasses } from './classes';
import { classOf, CsvError, guessMapping, parseCsv, planLabelImport, type ImageRef } from './label-csv';

const classes = describeClasses(['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc']);
const img = (name: string, labelClass = -1, excluded = false): ImageRef => ({ sampleId: name.replace(/\W/g, '').padEnd(64, '0').slice(0, 64), fileName: name, labelClass, excluded });

describe('label CSV import', () => {
  it('parses quoted fields, doubled quotes, CRLF and a BOM, and says what is wrong with a broken file', () => {
    expect(parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\r\n\r\n1,2')).toEqual({ header: ['a', 'b'], rows: [['x, y', 'say "hi"'], ['1', '2']] });
    expect(() => parseCsv('')).toThrow(CsvError);
    expect(() => parseCsv('a,b\n')).toThrow(/no rows/);
    expect(() => parseCsv('a,b\n"x,1')).toThrow(/quoted field/);
  });

  it('reads a class by code, name or 0-based index', () => {
    expect(classOf('MEL', classes)).toBe(4);
    expect(classOf('Melanoma', classes)).toBe(4);
    expect(classOf('5', classes)).toBe(5);
    expect(classOf('7', classes)).toBeNull();
    expect(classOf('nevus?', classes)).toBeNull();
  });

  it('guesses the image and class columns of the real HAM10000 labels.csv and plans the import', () => {
    const table = parseCsv(readFileSync(path.resolve('../shared/datasets/images/ham10000-dermoscopy/labels.csv'), 'utf8'));
    const names = table.rows.map((r) => `${r[0]}.jpg`);
    // Two already labeled (one the same, one different), one excluded, the rest unlabeled;
    // the same lesion imported again at another size; one image the CSV does not know.
    const images = [img(names[0]!, 5), img(names[1]!, 0), img(names[2]!, -1, true), ...names.slice(3).map((n) => img(n)), img(`big/${names[3]!}`), img('other.jpg')];
    images[images.length - 2]!.sampleId = 'f'.repeat(64);
    const mapping = guessMapping(table, images, classes);
    expect(table.header[mapping.imageColumn]).toBe('image_id');
    expect(table.header[mapping.classColumn]).toBe('dx');
    const plan = planLabelImport(table, mapping, images, classes, false);
    expect(plan.rows).toBe(42);
    expect(plan.unmatched).toEqual([]);
    // Rows 1 and 2 of the file are both nv: the first image already says nv, the second akiec.
    expect([table.rows[0]![2], table.rows[1]![2]]).toEqual(['nv', 'nv']);
    expect(plan.unchanged).toBe(1);
    expect(plan.conflicts.map((c) => [c.fileName, c.previous, c.classIndex])).toEqual([[names[1], 0, 5]]);
    expect(plan.excluded).toEqual([names[2]]);
    // 39 unlabeled images, and the same lesion's second copy.
    expect(plan.writes).toHaveLength(40);
    expect(plan.writes.some((w) => w.fileName === `big/${names[3]}`)).toBe(true);
    const overwrite = planLabelImport(table, mapping, images, classes, true);
    expect(overwrite.writes.length).toBe(plan.writes.length + plan.conflicts.length);
  });

  it('lists every row that matches nothing, with its reason and line', () => {
    const table = parseCsv('file,label\nA.jpg,mel\nB.jpg,melanocytic\n,nv\nZ.png,bcc\n');
    const plan = planLabelImport(table, { imageColumn: 0, classColumn: 1 }, [img('A.jpg'), img('B.jpg')], classes, false);
    expect(plan.writes.map((w) => [w.fileName, w.classIndex])).toEqual([['A.jpg', 4]]);
    expect(plan.unmatched).toEqual([
      { line: 3, value: 'B.jpg: melanocytic', reason: 'the class is not in this label set' },
      { line: 4, value: '', reason: 'no image name in this row' },
      { line: 5, value: 'Z.png', reason: 'no image with this name in the workspace' },
    ]);
  });
});
