import { SkiffError } from '@skiff/plugin/errors';

/** One line for a person: what failed, why, what to do. Stack traces only with SKIFF_DEBUG=1. */
export function describeError(error: unknown): string {
  if (process.env.SKIFF_DEBUG === '1' && error instanceof Error) return error.stack ?? error.message;
  // SkiffError (a CgroupError is one), and errors shaped like it: a message plus an optional hint.
  if (SkiffError.isInstance(error) || (error instanceof Error && 'hint' in error)) {
    const hint = (error as { hint?: unknown }).hint;
    return typeof hint === 'string' && hint ? `${error.message}; ${hint}` : error.message;
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM'
      ? `${error.message}; skiff must run as root`
      : error.message;
  }
  return String(error);
}
