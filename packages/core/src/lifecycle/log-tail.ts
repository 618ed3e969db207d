// `logs --tail N` without reading the whole history: records cannot be parsed backwards (their data may hold
// anything, headers included), so each file is first indexed by skipping from header to header (the data is
// not read), then whole records are read from the newest back, and lines are cut from their ends until the
// last N are complete. Memory and reads are proportional to N's lines, not to the log.
import type { FileHandle } from 'node:fs/promises';
import { parseLogRecords, readLogHeader, type LogRecord } from '@skiff/native';
import { SkiffError } from '@skiff/plugin';
import type { LogLine, Stream } from './log-lines.js';

const INDEX_CHUNK = 1 << 20;
const READ_BLOCK = 1 << 18;
const STREAMS: readonly Stream[] = ['stdout', 'stderr'];
/** In `LogIndex.streams`: a record with no data, which no line depends on. */
const EMPTY = 2;

export interface LogIndex {
  /** Offset of each whole record, oldest first. */
  starts: number[];
  /** 0 stdout, 1 stderr, 2 empty, per record. */
  streams: number[];
  /** Offset just past the last whole record (a record still being written starts there). */
  end: number;
}

function damaged(error: unknown): SkiffError {
  return new SkiffError('INTERNAL', `the container's log is damaged: ${(error as Error).message}`, { cause: error });
}

/** Indexes the whole records of an open log file from `from` on; their data is skipped, not read. */
export async function indexLog(handle: FileHandle, from = 0): Promise<LogIndex> {
  const { size } = await handle.stat();
  const index: LogIndex = { starts: [], streams: [], end: from };
  const buffer = Buffer.alloc(Math.min(INDEX_CHUNK, Math.max(0, size - from)));
  let position = from;
  while (position < size) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
    const chunk = buffer.subarray(0, bytesRead);
    let offset = 0;
    while (offset < chunk.length) {
      let header: ReturnType<typeof readLogHeader>;
      try {
        header = readLogHeader(chunk, offset);
      } catch (error) {
        throw damaged(new Error(`not a skiff log record at byte ${position + offset}`, { cause: error }));
      }
      if (!header) break;
      const next = header.end + header.length;
      if (position + next > size) return index; // still being written
      index.starts.push(position + offset);
      index.streams.push(header.length === 0 ? EMPTY : header.stream === 'stdout' ? 0 : 1);
      offset = next;
      index.end = position + offset;
    }
    if (offset === 0) break; // a header still being written at the end
    position += offset;
  }
  return index;
}

/** The whole records of an indexed file, newest first, read in blocks of about READ_BLOCK bytes. */
async function* recordsBackward(handle: FileHandle, index: LogIndex): AsyncGenerator<LogRecord> {
  let upper = index.starts.length;
  while (upper > 0) {
    const blockEnd = upper === index.starts.length ? index.end : index.starts[upper]!;
    let lower = upper - 1;
    while (lower > 0 && blockEnd - index.starts[lower - 1]! <= READ_BLOCK) lower--;
    const start = index.starts[lower]!;
    const buffer = Buffer.alloc(blockEnd - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    let records: LogRecord[];
    try {
      records = parseLogRecords(buffer.subarray(0, bytesRead)).records;
    } catch (error) {
      throw damaged(error);
    }
    for (let i = records.length - 1; i >= 0; i--) yield records[i]!;
    upper = lower;
  }
}

interface OpenLine {
  stream: Stream;
  /** Its pieces, newest first. */
  pieces: Buffer[];
  timeNs: bigint;
  /** 0 for the last '\n'-terminated line of the log, 1 for the one before, ...; -1 for an unterminated last line. */
  rank: number;
}

export interface Tail {
  /** The last lines, oldest first, as a LineSplitter reading everything would emit them (flushed at the end unless following). */
  lines: LogLine[];
  /** Per stream, its unterminated last line (what a follower's splitter must start with). */
  unterminated: LogLine[];
}

/**
 * The last `count` lines of a log made of `handles` (oldest file first; the newest is indexed by `newest`, the
 * others on demand). With `follow`, unterminated last lines are not among them but returned apart.
 */
export async function tailLog(handles: FileHandle[], newest: LogIndex, count: number, follow: boolean): Promise<Tail> {
  const indexes: (LogIndex | undefined)[] = handles.map((_, i) => (i === handles.length - 1 ? newest : undefined));
  const indexOf = async (file: number) => (indexes[file] ??= await indexLog(handles[file]!));

  // Which record is each stream's last with data: its end says whether the stream has an unterminated line.
  const last = new Map<Stream, { file: number; record: number }>();
  for (let file = handles.length - 1; file >= 0 && last.size < STREAMS.length; file--) {
    const { streams } = await indexOf(file);
    for (const [code, stream] of STREAMS.entries()) {
      if (last.has(stream)) continue;
      const record = streams.lastIndexOf(code);
      if (record !== -1) last.set(stream, { file, record });
    }
  }

  const open = new Map<Stream, OpenLine>();
  const done: OpenLine[] = [];
  let newlines = 0;
  let lastSeen = 0; // how many streams' last records the walk has passed
  const complete = (line: OpenLine | undefined) => {
    if (line && (line.rank < count || line.rank === -1)) done.push(line);
  };
  const finished = () => lastSeen === last.size && newlines >= count && [...open.values()].every((line) => line.rank >= count);

  walk: for (let file = handles.length - 1; file >= 0; file--) {
    const index = await indexOf(file);
    let number = index.starts.length;
    for await (const record of recordsBackward(handles[file]!, index)) {
      number--;
      const { stream, data, timeNs } = record;
      if (data.length === 0) continue;
      const lastOfStream = last.get(stream);
      if (lastOfStream?.file === file && lastOfStream.record === number) {
        lastSeen++;
        if (data[data.length - 1] !== 10) open.set(stream, { stream, pieces: [], timeNs, rank: -1 });
      }
      let cut = data.length;
      for (let search = data.length - 1; ; ) {
        const newline = search < 0 ? -1 : data.lastIndexOf(10, search);
        const line = open.get(stream);
        if (line && cut > newline + 1) {
          if (line.rank < count) line.pieces.push(data.subarray(newline + 1, cut));
          line.timeNs = timeNs;
        }
        if (newline === -1) break;
        complete(line);
        open.set(stream, { stream, pieces: [], timeNs, rank: newlines++ });
        cut = newline + 1;
        search = newline - 1;
      }
      if (finished()) break walk;
    }
  }
  for (const line of open.values()) complete(line); // the history's first lines

  const toLine = (line: OpenLine): LogLine => ({ stream: line.stream, timeNs: line.timeNs, data: Buffer.concat(line.pieces.reverse()) });
  const terminated = done.filter((line) => line.rank >= 0).sort((a, b) => b.rank - a.rank).map(toLine);
  const unterminated = STREAMS.flatMap((stream) => done.filter((line) => line.rank === -1 && line.stream === stream)).map(toLine);
  const lines = follow ? terminated : [...terminated, ...unterminated];
  return { lines: count === 0 ? [] : lines.slice(-count), unterminated: follow ? unterminated : [] };
}
