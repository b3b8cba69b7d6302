export * from './weight-set';
export * from './codec';
