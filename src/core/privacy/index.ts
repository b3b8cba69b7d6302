// Issue 19's client-level differential privacy, the pure part: DP-FedAvg's clipping, capped
// weights and Gaussian noise, and the RDP accountant of the sampled Gaussian mechanism. Not yet
// wired into a federation (no config accepts it until the server and clients enforce it).
export * from './dp-fedavg';
export * from './rdp';
