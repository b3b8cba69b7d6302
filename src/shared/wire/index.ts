// The client <-> server wire contract (HTTP API v1). Import from 'src/shared/wire'.
export * from './ids';
export * from './federation-config';
export * from './api';
export * from './update-codec';
export * from './secagg-api';
