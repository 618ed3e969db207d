/** A failure skiff-runc reports as one line (to stderr, and to --log), with exit code 1 as runc does. */
export class OciError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'OciError';
  }
}

/** Something config.json asks for that skiff cannot do: refused, never ignored. */
export const unsupported = (what: string) => new OciError(`config.json: ${what} is not supported by skiff-runc`);
