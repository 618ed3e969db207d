// Property-based tests of the detached-log record format: records encoded as c/log.c writes them parse back
// exactly, however the bytes are cut into reads; and any other bytes give records or one clear error line.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLogRecords, type LogRecord } from './log-format.js';
import '../../../test/fuzz.js'; // fixed seed in CI

/** `<o|e> <unix-time-ns> <length>\n<length bytes>`, as the supervisor appends them. */
const encode = (records: LogRecord[]) =>
  Buffer.concat(records.flatMap((r) => [Buffer.from(`${r.stream === 'stdout' ? 'o' : 'e'} ${r.timeNs} ${r.data.length}\n`, 'latin1'), r.data]));

const logRecord: fc.Arbitrary<LogRecord> = fc.record({
  stream: fc.constantFrom('stdout', 'stderr'),
  // Up to 2^64 - 1: 20 digits, the most a header holds.
  timeNs: fc.oneof(fc.bigUintN(64), fc.constantFrom(0n, 1_700_000_000_000_000_000n, 2n ** 64n - 1n)),
  data: fc.oneof(
    fc.uint8Array({ maxLength: 80 }),
    fc.constantFrom('', '\n', 'o 1 1\n', 'e 0 0\n', 'hello\n'.repeat(20)).map((text) => new TextEncoder().encode(text)),
  ).map((bytes) => Buffer.from(bytes)),
});

const plain = (records: LogRecord[]) => records.map((r) => ({ stream: r.stream, timeNs: r.timeNs, data: r.data.toString('hex') }));

/** Feeds `buffer` in chunks cut at `cuts`, carrying the unconsumed tail as `skiff logs -f` does. */
function readInChunks(buffer: Buffer, cuts: number[]): { records: LogRecord[]; rest: Buffer; offset: number } {
  const records: LogRecord[] = [];
  let pending = Buffer.alloc(0);
  let offset = 0; // file offset of `pending`
  let previous = 0;
  for (const cut of [...cuts.map((c) => c % (buffer.length + 1)).sort((a, b) => a - b), buffer.length]) {
    const chunk = Buffer.concat([pending, buffer.subarray(previous, cut)]);
    previous = cut;
    const parsed = parseLogRecords(chunk);
    records.push(...parsed.records);
    // `rest` is the tail of what was passed in, so the next read can start at buffer.length - rest.length.
    expect(parsed.rest.equals(chunk.subarray(chunk.length - parsed.rest.length))).toBe(true);
    offset += chunk.length - parsed.rest.length;
    pending = Buffer.from(parsed.rest);
  }
  return { records, rest: pending, offset };
}

describe('parseLogRecords (fuzz)', () => {
  it('parses encoded records back exactly', () => {
    fc.assert(
      fc.property(fc.array(logRecord, { maxLength: 8 }), (records) => {
        const { records: parsed, rest } = parseLogRecords(encode(records));
        expect(plain(parsed)).toEqual(plain(records));
        expect(rest.length).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('at any cut, records + rest of the first part and then of rest + second part give every record once', () => {
    fc.assert(
      fc.property(fc.array(logRecord, { maxLength: 6 }), fc.nat(), (records, at) => {
        const buffer = encode(records);
        const cut = at % (buffer.length + 1);
        const first = parseLogRecords(buffer.subarray(0, cut));
        expect(Buffer.concat([encode(first.records), first.rest]).equals(buffer.subarray(0, cut))).toBe(true);
        const second = parseLogRecords(Buffer.concat([first.rest, buffer.subarray(cut)]));
        expect(plain([...first.records, ...second.records])).toEqual(plain(records));
        expect(second.rest.length).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('read in any number of chunks, as `logs -f` does, gives every record once and ends on a record boundary', () => {
    fc.assert(
      fc.property(fc.array(logRecord, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (records, cuts) => {
        const buffer = encode(records);
        const { records: parsed, rest, offset } = readInChunks(buffer, cuts);
        expect(plain(parsed)).toEqual(plain(records));
        expect(rest.length).toBe(0);
        expect(offset).toBe(buffer.length);
      }),
      { numRuns: 200 },
    );
  });

  it('any bytes: records, or an Error with a one-line message (never a crash or a hang)', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 120 }).map((a) => Buffer.from(a)),
      fc.array(logRecord, { maxLength: 3 }).chain((records) => {
        const buffer = encode(records);
        // Corrupt one byte of a valid log.
        return fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
          const copy = Buffer.from(buffer);
          if (copy.length) copy[at % copy.length] = byte;
          return copy;
        });
      }),
      fc.constantFrom('o 1 99999999999999999999\n', 'o 1 9007199254740993\nx', 'x'.repeat(65), 'o 1 1'.padEnd(64, ' '), 'o -1 1\nx', 'o 1 01\nx').map((text) => Buffer.from(text)),
    );
    fc.assert(
      fc.property(bytes, (buffer) => {
        let result: ReturnType<typeof parseLogRecords>;
        try {
          result = parseLogRecords(buffer);
        } catch (error) {
          // A plain Error (this package does not depend on @skiff/core); readers must wrap it (see report).
          expect(error).toBeInstanceOf(Error);
          expect((error as Error).message).toMatch(/^(not a skiff log record|bad record length) at byte \d+$/);
          return;
        }
        expect(result.rest.equals(buffer.subarray(buffer.length - result.rest.length))).toBe(true);
        for (const record of result.records) expect(['stdout', 'stderr']).toContain(record.stream);
      }),
      { numRuns: 200 },
    );
  });
});
