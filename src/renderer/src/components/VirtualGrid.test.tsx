// @vitest-environment jsdom
import { cleanup, fireEvent, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualGrid, gridWindow } from './VirtualGrid';

afterEach(cleanup);

describe('VirtualGrid', () => {
  it('computes only the rows in view plus overscan', () => {
    const w = gridWindow({ count: 50_000, width: 1000, height: 800, scrollTop: 184_000, minCellWidth: 150, rowHeight: 184, gap: 12, overscanRows: 2 });
    expect(w.columns).toBe(6);
    expect(w.rows).toBe(Math.ceil(50_000 / 6));
    expect(w.firstRow).toBe(Math.floor(184_000 / 196) - 2);
    expect(w.lastRow - w.firstRow).toBeLessThan(12);
    expect(w.totalHeight).toBe(w.rows * 196 - 12);
  });

  it('renders a few dozen cells for 50,000 items and follows the scroll', () => {
    const { container, getByRole } = render(
      <VirtualGrid count={50_000} minCellWidth={150} rowHeight={184} label="Samples" renderCell={(i) => <span data-i={i}>{i}</span>} />,
    );
    const first = container.querySelectorAll('[data-i]');
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(100);
    expect(first[0]!.getAttribute('data-i')).toBe('0');
    const grid = getByRole('grid');
    grid.scrollTop = 196 * 5000;
    fireEvent.scroll(grid);
    const after = [...container.querySelectorAll('[data-i]')].map((e) => Number(e.getAttribute('data-i')));
    expect(Math.min(...after)).toBeGreaterThan(20_000);
    expect(after.length).toBeLessThan(100);
  });
});
