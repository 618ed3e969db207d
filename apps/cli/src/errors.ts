import { SkiffError } from '@skiff/core/plugin';

/** One line for a person: what failed, why, what to do. Stack traces only with SKIFF_DEBUG=1. */
export function describeError(error: unknown): string {
  if (process.env.SKIFF_DEBUG === '1' && error instanceof Error) return error.stack ?? error.message;
  if (SkiffError.isInstance(error)) return error.hint ? `${error.message}; ${error.hint}` : error.message;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM'
      ? `${error.message}; skiff must run as root`
      : error.message;
  }
  return String(error);
}
