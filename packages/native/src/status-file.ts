import { closeSync, fsyncSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';

/**
 * The exit status of a container. The supervisor of a detached one (keep in sync with write_status() in
 * c/supervise.c), or the CLI of an attached one, writes it once the container's init has exited, as one JSON
 * line padded with spaces to STATUS_FILE_SIZE bytes:
 *
 *   {"exitCode":N,"finishedAtMs":MS}
 *
 * N is the exit code, 128+signal when a signal killed the init, or the helper's 125/126/127 when the
 * container never started; MS is milliseconds since the epoch.
 *
 * The status must survive a full state disk, so its space is taken before the container starts: the file is
 * created at its final size, blank (spaces and a newline: "no status yet"), and the status is written over it
 * in place in one write, which needs no new block. A file that is missing or blank has no status yet.
 */
export const STATUS_FILE_SIZE = 80;

/** Creates the blank status file at its final size (before the container starts; replaces an old status). */
export function reserveStatusFile(path: string): void {
  writeFileSync(path, `${' '.repeat(STATUS_FILE_SIZE - 1)}\n`, { mode: 0o644 });
}

/** Writes `status` over the reserved file, in place (no new space needed); creates the file if it is missing. */
export function writeStatusFile(path: string, status: ExitStatus): void {
  const text = JSON.stringify({ exitCode: status.exitCode, finishedAtMs: status.finishedAtMs });
  const line = Buffer.from(`${text.padEnd(STATUS_FILE_SIZE - 1)}\n`);
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    fd = openSync(path, 'w', 0o644);
  }
  try {
    writeSync(fd, line, 0, line.length, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
export interface ExitStatus {
  exitCode: number;
  finishedAtMs: number;
}

/** Reads a status file; undefined while it is missing or blank (the container still runs, or never ran). */
export async function readStatusFile(path: string): Promise<ExitStatus | undefined> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8'); // one short line: read in place
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (text.trim() === '') return undefined; // reserved, not written yet
  const value = JSON.parse(text) as Partial<ExitStatus>;
  if (!Number.isInteger(value.exitCode) || !Number.isFinite(value.finishedAtMs)) {
    throw new Error(`${path}: not an exit status: ${text.trim()}`);
  }
  return { exitCode: value.exitCode!, finishedAtMs: value.finishedAtMs! };
}
