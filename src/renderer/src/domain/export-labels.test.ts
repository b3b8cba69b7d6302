import { describe, expect, it } from 'vitest';
import { describeClasses } from './classes';
import { CSV_COLUMNS, labelsToCsv, labelsToJson } from './export-labels';

const classes = describeClasses(['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc']);
const label = { sampleId: 'a'.repeat(64), fileName: 'ISIC_1.jpg', classIndex: 4, annotator: 'Dr. Rossi, MD', labeledAt: '2026-01-02T03:04:05.000Z', cycle: 0, revision: 2, note: 'border blurred, "see dermoscope 2"', excludedReason: '', excludedDetail: '', readings: [] as { reader: string; role: 'first' | 'second'; classIndex: number | null }[], adjudicatedBy: '' };

describe('label export', () => {
  it('writes a header and one quoted-where-needed row per label with readable class names', () => {
    const csv = labelsToCsv([label], classes);
    const [head, row, end] = csv.split('\r\n');
    expect(head).toBe(CSV_COLUMNS.join(','));
    // Cycle numbers as the screens show them: stored cycle 0 is "Cycle 1".
    expect(row).toBe(`${'a'.repeat(64)},ISIC_1.jpg,4,mel,Melanoma,"Dr. Rossi, MD",2026-01-02T03:04:05.000Z,1,2,"border blurred, ""see dermoscope 2""",,,,`);
    expect(end).toBe('');
  });

  it('writes excluded images with their reason, with or without a label', () => {
    const unlabeled = { ...label, sampleId: 'b'.repeat(64), classIndex: null, labeledAt: '', revision: 0, note: '', excludedReason: 'wrong-modality', excludedDetail: 'fundus photograph' };
    const labeledThenExcluded = { ...label, excludedReason: 'poor-quality', excludedDetail: '' };
    const [, a, b] = labelsToCsv([labeledThenExcluded, unlabeled], classes).split('\r\n');
    expect(a).toMatch(/,mel,Melanoma,.*,poor-quality,,,$/);
    expect(b).toBe(`${'b'.repeat(64)},ISIC_1.jpg,,,,"Dr. Rossi, MD",,1,0,,wrong-modality,fundus photograph,,`);
    const json = JSON.parse(labelsToJson([unlabeled], [], classes, { exportedAt: 'now', exportedBy: 'me', task: null }));
    expect(json.labels[0]).toMatchObject({ classIndex: null, classCode: null, excludedReason: 'wrong-modality', excludedDetail: 'fundus photograph' });
  });

  it('carries every reader\'s call and who adjudicated', () => {
    const read = { ...label, classIndex: 1, readings: [{ reader: 'Dr A', role: 'first' as const, classIndex: 4 }, { reader: 'Dr B', role: 'second' as const, classIndex: null }], adjudicatedBy: 'Dr C' };
    const row = labelsToCsv([read], classes).split('\r\n')[1]!;
    expect(row.endsWith(',Dr A: mel; Dr B: unsure,Dr C')).toBe(true);
    expect(JSON.parse(labelsToJson([read], [], classes, { exportedAt: 'now', exportedBy: 'me', task: null })).labels[0]).toMatchObject({ readings: read.readings, adjudicatedBy: 'Dr C' });
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
