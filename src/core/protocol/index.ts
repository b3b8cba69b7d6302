// The federated active-learning protocol's rules, defined once: the server, the client node,
// standalone mode and the simulator all take them from here (issue 15).
export * from './aggregators';
export * from './budget';
export * from './local-only';
export * from './query-strategies';
export * from './schedule';
export * from './seeds';
export * from './validation';
export * from './recipe';
export * from './secure-sum';
export * from './update-bound';
