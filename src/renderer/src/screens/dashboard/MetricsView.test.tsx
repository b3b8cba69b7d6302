// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { CycleMetricsSchema } from '../../../../shared/api';
import { describeClasses } from '../../domain/classes';
import { MetricsEmpty } from './MetricsEmpty';
import { MetricsView } from './MetricsView';

afterEach(cleanup);

const classes = describeClasses(['bcc', 'mel', 'nv']);
const base = { measuredAt: '2026-12-04T10:00:00.000Z', evaluatedOn: '24 held-out labels of this clinic, never trained on', samples: 24, accuracy: 0.5, perClassRecall: [0.6, 0.25, null], labeledCount: 120 };
const measured = CycleMetricsSchema.parse({
  ...base,
  source: 'held-out',
  cycle: 1,
  balancedAccuracy: 0.3812,
  perClassCount: [10, 14, 0],
  intervals: { accuracy: [0.314, 0.686], balancedAccuracy: [0.2449, 0.5311], perClassRecall: [[0.3127, 0.8318], [0.0826, 0.5262], null] },
  trainedOn: 96,
  warnings: ['Only 24 held-out images: these figures can move a lot with the next labels.'],
});

describe('MetricsView', () => {
  it('shows the held-out figure with its interval and n, the warning and the per-class table', () => {
    const { getByTestId } = render(<MetricsView metrics={[measured]} classes={classes} />);
    expect(getByTestId('latest-bacc').textContent).toBe('38%');
    expect(getByTestId('latest-bacc-interval').textContent).toBe('(95% CI 24–53%)');
    expect(getByTestId('metrics-n').textContent).toBe('Measured on 24 held-out images this model never trained on.');
    expect(getByTestId('metrics-trained').textContent).toBe('Trained on 96 of your 120 labels (24 kept aside to check it).');
    expect(getByTestId('metrics-warning').getAttribute('role')).toBe('status');
    expect(getByTestId('metrics-warning').textContent).toContain('Only 24 held-out images');
    const rows = getByTestId('class-recall-table').querySelectorAll('tbody tr');
    expect(rows).toHaveLength(3);
    expect(rows[2]!.textContent).toContain('no held-out image of this class yet');
    expect(getByTestId('recall-chart').querySelectorAll('[data-bar]')).toHaveLength(2);
  });

  it('draws lines from the second cycle on and shows no warning box when the figures can be trusted', () => {
    const earlier = CycleMetricsSchema.parse({ ...base, cycle: 0, balancedAccuracy: 0.9 });
    const { getByTestId, queryByTestId } = render(<MetricsView metrics={[earlier, { ...measured, warnings: [] }]} classes={classes} />);
    expect(getByTestId('balanced-accuracy-chart')).toBeTruthy();
    expect(queryByTestId('metrics-warning')).toBeNull();
    expect(getByTestId('metrics-earlier').textContent).toMatch(/Cycle 1 was measured by an earlier version.*left out of the lines/);
    // The earlier cycle draws no point: only cycle 2's two figures.
    expect(getByTestId('balanced-accuracy-chart').querySelectorAll('circle')).toHaveLength(2);
  });

  it('explains the empty state', () => {
    const { getByTestId } = render(<MetricsEmpty validation={{ fraction: 0.2, minPerClass: 1, minClassSize: 3 }} countsPerClass={[1, 0, 0]} />);
    expect(getByTestId('metrics-empty').textContent).toMatch(/labels kept aside.*No class has 3 labels yet/);
  });
});
