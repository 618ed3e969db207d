/**
 * The one error type of @skiff/cgroups: a SkiffError (from @skiff/plugin) whose code is one of the subset below,
 * plus the errno of the failed kernel call. Recognise it with `CgroupError.isInstance(value)` rather than
 * `instanceof`: a bundled second copy of this package still carries the same global brand.
 */
import { SkiffError, type SkiffErrorOptions } from '@skiff/plugin';

export const CgroupErrorCodes = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'FAILED_PRECONDITION',
  'NOT_SUPPORTED',
  'PERMISSION_DENIED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type CgroupErrorCode = (typeof CgroupErrorCodes)[number];

const brand = Symbol.for('skiff.cgroups.error');

export interface CgroupErrorOptions extends SkiffErrorOptions {
  /** The errno name (`EINVAL`, `EBUSY`, …) when a kernel call failed. */
  errno?: string;
}

/** A SkiffError (so `SkiffError.isInstance` and the CLI know it) that also carries the failed call's errno. */
export class CgroupError extends SkiffError {
  declare readonly code: CgroupErrorCode;
  readonly errno: string | undefined;
  readonly [brand] = true;

  constructor(code: CgroupErrorCode, message: string, options: CgroupErrorOptions = {}) {
    super(code, message, options);
    this.name = 'CgroupError';
    this.errno = options.errno ?? errnoOf(options.cause);
  }

  static override isInstance(value: unknown): value is CgroupError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }

  /** True when `value` is a CgroupError with the given code. */
  static override is(value: unknown, code: CgroupErrorCode): value is CgroupError {
    return CgroupError.isInstance(value) && value.code === code;
  }
}

/** The errno name of a Node system error, or of the system error a CgroupError wraps. */
export function errnoOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if (CgroupError.isInstance(error)) return error.errno;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

const errnoToCode: Record<string, CgroupErrorCode> = {
  EINVAL: 'INVALID_ARGUMENT',
  ERANGE: 'INVALID_ARGUMENT',
  ENOENT: 'NOT_FOUND',
  ESRCH: 'NOT_FOUND',
  EACCES: 'PERMISSION_DENIED',
  EPERM: 'PERMISSION_DENIED',
  EROFS: 'PERMISSION_DENIED',
  EBUSY: 'FAILED_PRECONDITION',
  ENOSPC: 'FAILED_PRECONDITION',
  ENOTEMPTY: 'FAILED_PRECONDITION',
  EOPNOTSUPP: 'NOT_SUPPORTED',
  ENODEV: 'NOT_SUPPORTED',
};

/** Wrap a failed file operation: "<what>: <errno> (<reason>)". */
export function systemError(what: string, error: unknown): CgroupError {
  if (CgroupError.isInstance(error)) return error;
  const errno = errnoOf(error);
  const reason = error instanceof Error ? error.message.replace(/^E[A-Z]+: /, '').replace(/, \w+( '.*')?$/, '') : String(error);
  const code = (errno && errnoToCode[errno]) || 'INTERNAL';
  return new CgroupError(code, `${what}: ${errno ? `${errno} (${reason})` : reason}`, { cause: error, errno });
}
