import { describe, expect, it } from 'vitest';
import { describeClasses } from './classes';
import { CSV_COLUMNS, labelsToCsv, labelsToJson } from './export-labels';

const classes = describeClasses(['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc']);
const label = { sampleId: 'a'.repeat(64), fileName: 'ISIC_1.jpg', classIndex: 4, annotator: 'Dr. Rossi, MD', labeledAt: '2026-01-02T03:04:05.000Z', cycle: 0, revision: 2, note: 'border blurred, "see dermoscope 2"' };

describe('label export', () => {
  it('writes a header and one quoted-where-needed row per label with readable class names', () => {
    const csv = labelsToCsv([label], classes);
    const [head, row, end] = csv.split('\r\n');
    expect(head).toBe(CSV_COLUMNS.join(','));
    // Cycle numbers as the screens show them: stored cycle 0 is "Cycle 1".
    expect(row).toBe(`${'a'.repeat(64)},ISIC_1.jpg,4,mel,Melanoma,"Dr. Rossi, MD",2026-01-02T03:04:05.000Z,1,2,"border blurred, ""see dermoscope 2"""`);
    expect(end).toBe('');
  });

  it('defuses spreadsheet formulas in file names', () => {
    const csv = labelsToCsv([{ ...label, fileName: '=HYPERLINK("x")' }], classes);
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it('JSON carries classes, annotator, timestamps and each label’s history', () => {
    const json = JSON.parse(labelsToJson([label], [{ sampleId: label.sampleId, action: 'label', value: 'mel', previous: 'none', annotator: 'Dr. Rossi, MD', at: 't' }], classes, { exportedAt: 'now', exportedBy: 'me', task: 'derm' }));
    expect(json.format).toBe('fairfal-labels/1');
    expect(json.classes[0]).toEqual({ index: 0, code: 'akiec', name: 'Actinic keratosis / intraepithelial carcinoma' });
    expect(json.labels[0]).toMatchObject({ classCode: 'mel', annotator: 'Dr. Rossi, MD', labeledAt: label.labeledAt, cycle: 1, note: label.note, history: [{ action: 'label' }] });
  });
});
