// The federation server. See README.md for running it and enrolling a client.
export { startServer, type ServerOptions, type RunningServer } from './http/server';
export { createFederation, type CreateFederationOptions, type CreatedFederation } from './domain/create-federation';
export { engineInitialWeights, pretrainedInitialWeights, readInitialWeightsFile } from './domain/initial-weights';
export { FederationCoordinator } from './domain/coordinator';
export { jsonLogger, silentLogger, systemClock, type Clock, type Logger, type FaultPoint, type FaultHook } from './domain/runtime';
export * from './domain/errors';
export { startInMemoryServer, type InMemoryServer } from './in-memory';
