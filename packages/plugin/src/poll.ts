export interface PollOptions {
  /** First pause between checks (ms); doubles after each check up to `maxIntervalMs`. Default 5. */
  intervalMs?: number;
  /** Longest pause between checks (ms). Default `intervalMs` when it is given, else 50. */
  maxIntervalMs?: number;
  /** Once it aborts, pollUntil rejects with its reason. */
  signal?: AbortSignal;
}

/**
 * Calls `check` until it returns true (resolves true) or `timeoutMs` has passed (resolves false). The kernel
 * tells no one when a process is gone, a cgroup is frozen or a file appears, so skiff asks again, backing off.
 */
export async function pollUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, options: PollOptions = {}): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const maxInterval = options.maxIntervalMs ?? options.intervalMs ?? 50;
  for (let delay = options.intervalMs ?? 5; !(await check()); delay = Math.min(delay * 2, maxInterval)) {
    options.signal?.throwIfAborted();
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  return true;
}
