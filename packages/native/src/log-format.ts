/**
 * The log of a detached container, as the helper's supervisor writes it (keep in sync with c/log.c). A
 * sequence of binary-safe records, appended:
 *
 *   <stream> <unix-time-ns> <length>\n<length bytes>
 *
 * `stream` is `o` (stdout) or `e` (stderr; with a tty everything is `o`), the numbers are decimal ASCII, and
 * the bytes are exactly what the container wrote in one chunk (not necessarily whole lines). Example:
 * `o 1700000000123456789 6\nhello\n`. When the file exceeds `logMaxBytes` the supervisor renames it to
 * `PATH.1` (shifting `PATH.1` → `PATH.2` … up to `logKeep`, dropping the oldest) and starts a new one, so
 * records never span files; read `PATH.N` … `PATH.1`, then `PATH`, for the whole history.
 */

export interface LogRecord {
  stream: 'stdout' | 'stderr';
  /** Nanoseconds since the epoch, when the supervisor read the chunk. */
  timeNs: bigint;
  data: Buffer;
}

/** A header is short: one letter, a space, up to 20 digits, a space, up to 20 digits, '\n'. */
const MAX_HEADER = 64;
const HEADER = /^([oe]) (\d{1,20}) (\d{1,20})$/;

/**
 * Parses as many whole records as `buffer` holds. `rest` is the unconsumed tail (a record still being
 * written, or read only in part): prepend it to the next chunk, or read again from the file offset
 * `buffer.length - rest.length`. Throws on bytes that are not a record header (not a skiff log).
 */
export function parseLogRecords(buffer: Buffer): { records: LogRecord[]; rest: Buffer } {
  const records: LogRecord[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const header = readHeader(buffer, offset);
    if (!header) break; // a header still being written
    const start = header.end;
    const length = header.length;
    if (start + length > buffer.length) break; // its bytes are not all there yet
    records.push({
      stream: header.stream,
      timeNs: BigInt(header.time),
      data: buffer.subarray(start, start + length),
    });
    offset = start + length;
  }
  return { records, rest: buffer.subarray(offset) };
}

/**
 * The header of the record at `offset`: its stream, the offset just past it (where the data starts) and the
 * data's length; undefined while the header is not all in `buffer`. Lets a reader skip a record's data
 * without reading it. Throws on bytes that are not a record header.
 */
export function readHeader(buffer: Buffer, offset: number): { stream: 'stdout' | 'stderr'; time: string; end: number; length: number } | undefined {
  const newline = buffer.indexOf(10, offset);
  if (newline === -1 || newline - offset > MAX_HEADER) {
    if (buffer.length - offset > MAX_HEADER) throw new Error(`not a skiff log record at byte ${offset}`);
    return undefined;
  }
  const match = HEADER.exec(buffer.toString('latin1', offset, newline));
  if (!match) throw new Error(`not a skiff log record at byte ${offset}`);
  const length = Number(match[3]);
  if (!Number.isSafeInteger(length)) throw new Error(`bad record length at byte ${offset}`);
  return { stream: match[1] === 'o' ? 'stdout' : 'stderr', time: match[2]!, end: newline + 1, length };
}
