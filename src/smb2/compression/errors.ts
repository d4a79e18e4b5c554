/** Decompression failures: malformed streams and outputs past their bound. Never anything else. */
export class DecompressError extends Error {
  constructor(
    readonly algorithm: string,
    message: string,
  ) {
    super(`${algorithm}: ${message}`);
  }
}

/** Default hard cap on any one decompressed output (a decompression bomb stops here). */
export const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;
