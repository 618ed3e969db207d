import { open, stat, type FileHandle } from 'node:fs/promises';
import { parseLogRecords } from '@skiff/native';
import { SkiffError } from '@skiff/plugin';
import { LineSplitter, type LogLine } from './log-lines.js';
import { indexLog, tailLog } from './log-tail.js';
import { files, isAlive, type Host } from './host.js';

export type { LogLine } from './log-lines.js';

export interface LogOptions {
  /** Keep reading as the container writes, until it stops (`-f`). */
  follow?: boolean;
  /** Only the last N lines of what is already there (`--tail N`); read from the end, not the whole log. */
  tail?: number;
  /** Only lines written at or after this time (ms since the epoch; `--since`). */
  sinceMs?: number;
  /** Only lines written before this time (`--until`); reading stops at the first line after it. */
  untilMs?: number;
}

/** `lines` within [sinceMs, untilMs): the log is in time order, so the first line past `untilMs` ends it. */
export async function* withinTimes(lines: AsyncGenerator<LogLine>, options: Pick<LogOptions, 'sinceMs' | 'untilMs'>): AsyncGenerator<LogLine> {
  const since = options.sinceMs === undefined ? undefined : BigInt(Math.floor(options.sinceMs * 1e6));
  const until = options.untilMs === undefined ? undefined : BigInt(Math.floor(options.untilMs * 1e6));
  try {
    for await (const line of lines) {
      if (until !== undefined && line.timeNs >= until) return;
      if (since === undefined || line.timeNs >= since) yield line;
    }
  } finally {
    await lines.return(undefined);
  }
}

const READ_CHUNK = 1 << 20;

/** Reads records from an open log file from `offset` on, a chunk at a time; yields lines, then the new offset (whole records only). */
async function* readFrom(handle: FileHandle, offset: number, splitter: LineSplitter): AsyncGenerator<LogLine, number> {
  const { size } = await handle.stat();
  let rest = Buffer.alloc(0);
  while (offset + rest.length < size) {
    const chunk = Buffer.alloc(Math.min(READ_CHUNK, size - offset - rest.length));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset + rest.length);
    if (bytesRead === 0) break;
    const buffer = rest.length ? Buffer.concat([rest, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    let parsed: ReturnType<typeof parseLogRecords>;
    try {
      parsed = parseLogRecords(buffer);
    } catch (error) {
      throw new SkiffError('INTERNAL', `the container's log is damaged: ${(error as Error).message}`, { cause: error });
    }
    for (const record of parsed.records) yield* splitter.push(record.stream, record.timeNs, record.data);
    offset += buffer.length - parsed.rest.length;
    rest = Buffer.from(parsed.rest);
  }
  return offset;
}

/**
 * The output of a container (attached or detached): every line of the rotated files (oldest first) and the current log,
 * then — with `follow` — new lines as they come, across rotations, until the container stops.
 */
export async function* readLogs(host: Host, reference: string, options: LogOptions = {}): AsyncGenerator<LogLine> {
  const record = await host.store.resolve(reference);
  const base = files(host, record.id).log;
  const splitter = new LineSplitter();
  const rotated: FileHandle[] = [];
  let handle: FileHandle | undefined;
  let offset = 0;
  try {
    for (let index = record.config.logKeep; index >= 1; index--) {
      const opened = await open(`${base}.${index}`, 'r').catch(() => undefined);
      if (opened) rotated.push(opened);
    }
    handle = await open(base, 'r').catch(() => undefined);
    if (options.tail === undefined) {
      for (const old of rotated) yield* readFrom(old, 0, splitter);
      if (handle) offset = yield* readFrom(handle, 0, splitter);
      if (!options.follow) yield* splitter.flush();
    } else {
      const handles = handle ? [...rotated, handle] : rotated;
      const newest = handles.length ? await indexLog(handles[handles.length - 1]!) : undefined;
      if (newest) {
        const tail = await tailLog(handles, newest, options.tail, options.follow ?? false);
        for (const line of tail.unterminated) splitter.seed(line.stream, line.timeNs, line.data);
        yield* tail.lines;
        if (handle) offset = newest.end;
      }
    }
    if (!options.follow) return;
    for (;;) {
      const current = await host.store.get(record.id);
      const running = current?.status === 'running' && isAlive(current);
      if (handle) offset = yield* readFrom(handle, offset, splitter);
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
        if (handle) yield* readFrom(handle, offset, splitter);
        yield* splitter.flush();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await handle?.close();
    await Promise.all(rotated.map((old) => old.close()));
  }
}
