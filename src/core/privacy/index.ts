// Issue 19's client-level differential privacy, the pure part: DP-FedAvg's clipping, capped
// weights and Gaussian noise, and the RDP accountant of the sampled Gaussian mechanism. The
// server applies it with central noise (config `differentialPrivacy`, core/protocol dpFedAvg).
export * from './dp-fedavg';
export * from './rdp';
