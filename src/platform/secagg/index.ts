// Issue 19's secure aggregation, the round's cryptography (pairwise and self masks over a
// fixed-point ring, X25519, ChaCha20, audited Shamir shares with commitments). Not yet used by
// the federation protocol: the server and clients still exchange plaintext updates.
export * from './crypto';
export * from './fixed-point';
export * from './round';
