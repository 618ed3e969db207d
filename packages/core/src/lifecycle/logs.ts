import { open, stat, type FileHandle } from 'node:fs/promises';
import { parseLogRecords } from '@skiff/native';
import { SkiffError } from '@skiff/plugin';
import { files, isAlive, type Host } from './host.js';

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** Nanoseconds since the epoch when the supervisor read it. */
  timeNs: bigint;
  /** One line including its '\n' (the last line of a stream may lack it). */
  data: Buffer;
}

export interface LogOptions {
  /** Keep reading as the container writes, until it stops (`-f`). */
  follow?: boolean;
  /** Only the last N lines of what is already there (`--tail N`). */
  tail?: number;
}

/** Splits chunks into lines per stream, so `--tail` and `-t` work on lines as docker's do. */
class LineSplitter {
  readonly #pending = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  readonly #time = { stdout: 0n, stderr: 0n };

  push(stream: 'stdout' | 'stderr', timeNs: bigint, data: Buffer): LogLine[] {
    const lines: LogLine[] = [];
    let start = 0;
    if (this.#pending[stream].length === 0) this.#time[stream] = timeNs;
    for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, start)) {
      const piece = Buffer.concat([...this.#pending[stream], data.subarray(start, newline + 1)]);
      this.#pending[stream] = [];
      lines.push({ stream, timeNs: this.#time[stream], data: piece });
      this.#time[stream] = timeNs;
      start = newline + 1;
    }
    if (start < data.length) this.#pending[stream].push(data.subarray(start));
    return lines;
  }

  flush(): LogLine[] {
    const lines: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.#pending[stream].length) lines.push({ stream, timeNs: this.#time[stream], data: Buffer.concat(this.#pending[stream]) });
      this.#pending[stream] = [];
    }
    return lines;
  }
}

/** Reads records from an open log file from `offset` on; returns the lines and the new offset (whole records only). */
async function readFrom(handle: FileHandle, offset: number, splitter: LineSplitter): Promise<{ lines: LogLine[]; offset: number }> {
  const { size } = await handle.stat();
  if (size <= offset) return { lines: [], offset };
  const buffer = Buffer.alloc(size - offset);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
  let parsed: ReturnType<typeof parseLogRecords>;
  try {
    parsed = parseLogRecords(buffer.subarray(0, bytesRead));
  } catch (error) {
    throw new SkiffError('INTERNAL', `the container's log is damaged: ${(error as Error).message}`, { cause: error });
  }
  const { records, rest } = parsed;
  const lines = records.flatMap((record) => splitter.push(record.stream, record.timeNs, record.data));
  return { lines, offset: offset + bytesRead - rest.length };
}

/**
 * The output of a container (attached or detached): every line of the rotated files (oldest first) and the current log,
 * then — with `follow` — new lines as they come, across rotations, until the container stops.
 */
export async function* readLogs(host: Host, reference: string, options: LogOptions = {}): AsyncGenerator<LogLine> {
  const record = await host.store.resolve(reference);
  const base = files(host, record.id).log;
  const splitter = new LineSplitter();
  const existing: LogLine[] = [];
  for (let index = record.config.logKeep; index >= 1; index--) {
    const handle = await open(`${base}.${index}`, 'r').catch(() => undefined);
    if (!handle) continue;
    try {
      existing.push(...(await readFrom(handle, 0, splitter)).lines);
    } finally {
      await handle.close();
    }
  }
  let handle = await open(base, 'r').catch(() => undefined);
  let offset = 0;
  try {
    if (handle) {
      const read = await readFrom(handle, 0, splitter);
      existing.push(...read.lines);
      offset = read.offset;
    }
    if (!options.follow) existing.push(...splitter.flush());
    yield* options.tail === undefined ? existing : existing.slice(Math.max(0, existing.length - options.tail));
    if (!options.follow) return;
    for (;;) {
      const current = await host.store.get(record.id);
      const running = current?.status === 'running' && isAlive(current);
      if (handle) {
        const read = await readFrom(handle, offset, splitter);
        offset = read.offset;
        yield* read.lines;
      }
      // Rotated (or created since): the supervisor now writes a new file; finish the old one, then switch.
      const now = await stat(base).catch(() => undefined);
      const mine = handle ? await handle.stat() : undefined;
      if (now && (!mine || now.ino !== mine.ino)) {
        await handle?.close();
        handle = await open(base, 'r');
        offset = 0;
        continue;
      }
      if (!running) {
        if (handle) yield* (await readFrom(handle, offset, splitter)).lines;
        yield* splitter.flush();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await handle?.close();
  }
}
