/** Raised when a partition cannot be built from the given labels and settings. */
export class PartitionError extends Error {
  override readonly name = 'PartitionError';
}

export function checkLabels(labels: ArrayLike<number>, numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new PartitionError(`numClasses must be a positive integer, got ${numClasses}`);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new PartitionError(`label[${i}] is ${y}, expected an integer in [0, ${numClasses})`);
    }
  }
}

export function checkClients(numClients: number): void {
  if (!Number.isInteger(numClients) || numClients < 1) throw new PartitionError(`numClients must be a positive integer, got ${numClients}`);
}

/** Sample indices of each class, ascending. */
export function indicesByClass(labels: ArrayLike<number>, numClasses: number): number[][] {
  const out: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) (out[labels[i] as number] as number[]).push(i);
  return out;
}
