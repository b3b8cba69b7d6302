// Labeling budgets. A federation labels `federationBudget` new samples per cycle, split evenly:
// each client queries perClientBudget = floor(budget / K). The official protocol's budget is
// round(N, -2) x q (N the federation's pool size), so floor(that / K) is its int(round(N,-2)*q/K).

/** Python's round(n, -2) for a non-negative integer: nearest hundred, ties to the even hundred. */
export function roundHundredsHalfEven(n: number): number {
  const q = Math.floor(n / 100);
  const r = n - q * 100;
  if (r > 50) return (q + 1) * 100;
  if (r < 50) return q * 100;
  return (q % 2 === 0 ? q : q + 1) * 100;
}

/** The official per-cycle budget of a federation holding `poolTotal` samples (float as Python's). */
export function federationBudget(poolTotal: number, fraction: number): number {
  return Math.trunc(roundHundredsHalfEven(poolTotal) * fraction);
}

export function perClientBudget(budget: number, clients: number): number {
  return Math.floor(budget / Math.max(1, clients));
}
