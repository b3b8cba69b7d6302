// Pure aggregation math over flat Float32Array weight vectors (FedAvg, SCAFFOLD, robust).
export * from './vector-math';
export * from './fedavg';
export * from './scaffold';
export * from './robust';
export * from './bounded-weighting';
