/**
 * One error type for all of skiff and its plugins.
 *
 * Recognise it with `SkiffError.isInstance(value)`, never `instanceof`: a third-party driver may bundle its
 * own copy of this module, and the brand (a global symbol) survives that where `instanceof` does not.
 */

/** The closed set of error codes, after containerd's errdefs. */
export const ErrorCodes = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'FAILED_PRECONDITION',
  'NOT_SUPPORTED',
  'CONFLICT',
  'PERMISSION_DENIED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ErrorCodes)[number];

const brand = Symbol.for('skiff.error');

export interface SkiffErrorOptions {
  cause?: unknown;
  /** What the user can do about it; the CLI prints it after the message. */
  hint?: string;
  /** The process exit code that goes with it (docker's: 125 setup failed, 126 cannot run, 127 not found). */
  exitCode?: number;
}

/**
 * One line whatever the input it echoes: a message is a single terminal line, so a raw newline, CR, ESC or DEL
 * (JSON.stringify leaves DEL raw) could forge or break lines; they are written as JSON escapes.
 */
// eslint-disable-next-line no-control-regex
const printable = (text: string) => text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export class SkiffError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /** The exit code a command should end with (the CLI exits with it; 125 when absent). */
  readonly exitCode: number | undefined;
  readonly [brand] = true;

  /** Control characters in `message` and the hint (echoed input: a newline, ESC, DEL) are written escaped. */
  constructor(code: ErrorCode, message: string, options: SkiffErrorOptions = {}) {
    super(printable(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SkiffError';
    this.code = code;
    this.hint = options.hint === undefined ? undefined : printable(options.hint);
    this.exitCode = options.exitCode;
  }

  static isInstance(value: unknown): value is SkiffError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }

  /** True when `value` is a SkiffError with the given code. */
  static is(value: unknown, code: ErrorCode): value is SkiffError {
    return SkiffError.isInstance(value) && value.code === code;
  }
}

export const invalidArgument = (message: string, options?: SkiffErrorOptions) =>
  new SkiffError('INVALID_ARGUMENT', message, options);
export const notFound = (message: string, options?: SkiffErrorOptions) => new SkiffError('NOT_FOUND', message, options);
export const alreadyExists = (message: string, options?: SkiffErrorOptions) =>
  new SkiffError('ALREADY_EXISTS', message, options);
export const failedPrecondition = (message: string, options?: SkiffErrorOptions) =>
  new SkiffError('FAILED_PRECONDITION', message, options);
export const notSupported = (message: string, options?: SkiffErrorOptions) =>
  new SkiffError('NOT_SUPPORTED', message, options);
