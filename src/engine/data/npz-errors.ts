/** A .npz archive (or one of its .npy entries) that cannot be read; the message names the problem. */
export class NpzFormatError extends Error {
  override readonly name = 'NpzFormatError';
}
