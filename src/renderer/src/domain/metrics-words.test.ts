import { describe, expect, it } from 'vitest';
import { CycleMetricsSchema } from '../../../shared/api';
import { describeClasses } from './classes';
import { classRecallRows, countHeader, earlierCyclesNote, emptyMetricsWords, figureWords, intervalWords, isEarlierMeasurement, leftOutOfLines, measuredOnWords, rangeWords, readingHelp, trainedOnWords, trustIntro, trustNotes } from './metrics-words';

const classes = describeClasses(['bcc', 'mel', 'nv']);
const heldOut = CycleMetricsSchema.parse({
  cycle: 2,
  measuredAt: '2026-12-04T10:00:00.000Z',
  evaluatedOn: '24 held-out labels of this clinic, never trained on',
  source: 'held-out',
  samples: 24,
  accuracy: 0.5,
  balancedAccuracy: 0.3812,
  perClassRecall: [0.6, 0.25, null],
  perClassCount: [10, 14, 0],
  intervals: { accuracy: [0.314, 0.686], balancedAccuracy: [0.2449, 0.5311], perClassRecall: [[0.3127, 0.8318], [0.0826, 0.5262], null] },
  labeledCount: 120,
  trainedOn: 96,
  warnings: ['Only 24 held-out images: these figures can move a lot with the next labels (at least 30 are needed to trust them).'],
});
// Stored before held-out measuring: the defaults fill the new fields.
const earlier = CycleMetricsSchema.parse({ cycle: 0, measuredAt: '2026-11-01T10:00:00.000Z', evaluatedOn: 'the labeled set (training data: optimistic)', samples: 40, accuracy: 0.9, balancedAccuracy: 0.85, perClassRecall: [1, 0.7, null], labeledCount: 40 });

describe('model quality in plain words', () => {
  it('gives whole percentages with the 95% interval, and the interval alone for its own element', () => {
    expect(figureWords(heldOut.balancedAccuracy, heldOut.intervals?.balancedAccuracy)).toBe('38% (95% CI 24–53%)');
    expect(intervalWords(heldOut.intervals?.accuracy)).toBe('95% CI 31–69%');
    expect(intervalWords(null)).toBeNull();
    expect(rangeWords([0.0049, 1])).toBe('0–100%');
    expect(figureWords(0.85, null)).toBe('85%');
  });

  it('says what the model was measured on and what it trained on', () => {
    expect(measuredOnWords(heldOut)).toBe('Measured on 24 held-out images this model never trained on.');
    expect(measuredOnWords({ ...heldOut, samples: 1 })).toBe('Measured on 1 held-out image this model never trained on.');
    expect(trainedOnWords(heldOut)).toBe('Trained on 96 of your 120 labels (24 kept aside to check it).');
    expect(trainedOnWords({ ...heldOut, trainedOn: 120 })).toBe('Trained on all 120 of your labels.');
    const external = { ...heldOut, source: 'external' as const, evaluatedOn: 'dermamnist.npz test split (2005 images)', warnings: [] };
    expect(measuredOnWords(external)).toBe('Measured on dermamnist.npz test split (2005 images).');
    expect(readingHelp(external)).toMatch(/narrows with more test images/);
    expect(readingHelp(heldOut)).toMatch(/narrows as more labels are kept aside/);
  });

  it('lists each class with its n and interval, and a dash where no held-out image of the class exists', () => {
    const rows = classRecallRows(heldOut, classes);
    expect(rows.map((r) => [r.n, r.recall, r.detail])).toEqual([
      [10, '60%', '31–83%'],
      [14, '25%', '8–53%'],
      [0, '—', 'no held-out image of this class yet'],
    ]);
    expect(rows[2]!.measured).toBe(false);
  });

  it('passes the node’s warnings on with a calm explanation; a trustworthy figure has none', () => {
    expect(trustNotes(heldOut)).toEqual(heldOut.warnings);
    expect(trustIntro(heldOut)).toMatch(/not yet firm enough to rely on/);
    expect(trustNotes({ ...heldOut, warnings: [] })).toEqual([]);
  });

  it('renders an entry stored before held-out measuring without claiming it was held out', () => {
    expect(isEarlierMeasurement(earlier)).toBe(true);
    expect(isEarlierMeasurement(heldOut)).toBe(false);
    expect(measuredOnWords(earlier)).toBe('Measured on the labeled set (training data: optimistic), by an earlier version of the app.');
    expect(measuredOnWords(earlier)).not.toContain('held-out');
    expect(trainedOnWords(earlier)).toBeNull();
    expect(readingHelp(earlier)).not.toContain('CI');
    expect(trustNotes(earlier).join(' ')).toMatch(/earlier version.*trained on/);
    expect(trustIntro(earlier)).not.toMatch(/few images/);
    expect(classRecallRows(earlier, classes).map((r) => [r.n, r.recall, r.detail])).toEqual([
      [null, '100%', 'no interval computed'],
      [null, '70%', 'no interval computed'],
      [null, '—', 'not measured'],
    ]);
    expect(earlierCyclesNote([earlier, heldOut])).toBe('Cycle 1 was measured by an earlier version of the app, possibly on labels the model trained on: left out of the lines.');
    expect(earlierCyclesNote([earlier, { ...earlier, cycle: 1 }])).toMatch(/^Cycles 1 and 2 were .*compare with care\.$/);
    expect([leftOutOfLines(earlier, [earlier, heldOut]), leftOutOfLines(earlier, [earlier]), leftOutOfLines(heldOut, [earlier, heldOut])]).toEqual([true, false, false]);
    expect([countHeader(earlier), countHeader(heldOut)]).toEqual(['Images', 'Held-out images']);
    expect(earlierCyclesNote([heldOut])).toBeNull();
  });

  it('explains an empty card: figures only from labels kept aside, and what brings the first one', () => {
    const settings = { fraction: 0.2, minPerClass: 1, minClassSize: 3 };
    const none = emptyMetricsWords(settings, [2, 1, 0]);
    expect(none.sentences.join(' ')).toMatch(/only on labels kept aside/);
    expect(none.sentences.join(' ')).toMatch(/at least 3 labels/);
    expect(none.sentences.at(-1)).toBe('No class has 3 labels yet.');
    expect(emptyMetricsWords(settings, [5, 1, 0]).sentences.at(-1)).toBe('1 of your 3 classes has enough labels: the figure appears after the next training.');
    expect(emptyMetricsWords(undefined).sentences.join(' ')).toMatch(/keeps none aside/);
  });
});
