import { readFileSync } from 'node:fs';

/**
 * The exit status of a detached container. The supervisor writes it once the container's init has exited
 * (keep in sync with write_status() in c/supervise.c), as one JSON line:
 *
 *   {"exitCode":N,"finishedAtMs":MS}
 *
 * N is the exit code, 128+signal when a signal killed the init, or the helper's 125/126/127 when the
 * container never started; MS is milliseconds since the epoch. The file appears atomically (written to
 * `PATH.tmp`, fsync'ed, renamed), so a reader sees either no file or the whole of it.
 */
export interface ExitStatus {
  exitCode: number;
  finishedAtMs: number;
}

/** Reads a status file; undefined while it does not exist (the container still runs, or never ran). */
export async function readStatusFile(path: string): Promise<ExitStatus | undefined> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8'); // one short line: read in place
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const value = JSON.parse(text) as Partial<ExitStatus>;
  if (!Number.isInteger(value.exitCode) || !Number.isFinite(value.finishedAtMs)) {
    throw new Error(`${path}: not an exit status: ${text.trim()}`);
  }
  return { exitCode: value.exitCode!, finishedAtMs: value.finishedAtMs! };
}
