import { SkiffError } from '@skiff/plugin';

/** An error with the HTTP status docker gives it; its message goes out as `{"message": ...}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new ApiError(400, message);
export const notFound = (message: string) => new ApiError(404, message);
export const conflict = (message: string) => new ApiError(409, message);

/** docker's status for each of skiff's error codes (moby's errdefs → HTTP mapping). */
const STATUS: Record<string, number> = {
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 409,
  NOT_SUPPORTED: 501,
  PERMISSION_DENIED: 403,
  UNAVAILABLE: 503,
};

/** The status and one-line message for any thrown value. */
export function describeError(error: unknown): { status: number; message: string } {
  if (error instanceof ApiError) return { status: error.status, message: error.message };
  if (SkiffError.isInstance(error)) {
    const hint = error.hint ? ` (${error.hint})` : '';
    // A command that could not start (exit 126/127): docker answers 400, and its CLI maps the text to 126/127.
    const status = error.exitCode === 126 || error.exitCode === 127 ? 400 : (STATUS[error.code] ?? 500);
    return { status, message: `${error.message}${hint}` };
  }
  return { status: 500, message: error instanceof Error ? error.message : String(error) };
}
