// Pins the chaos-run fault: `logs` crashed on a log of ~100k lines (a spread of every line onto an array).
// `--tail N` now reads from the end; whatever the records (streams interleaved, lines split across records and
// files, empty records, unterminated last lines), its lines are exactly the last N of a full forward read.
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../../../../test/fuzz.js';
import { tempDir } from '../../../../test/support.js';
import { LineSplitter, type LogLine } from './log-lines.js';
import { indexLog, tailLog } from './log-tail.js';

interface Rec {
  stream: 'o' | 'e';
  time: number;
  data: string;
}
const encode = (r: Rec) => Buffer.concat([Buffer.from(`${r.stream} ${r.time} ${Buffer.byteLength(r.data)}\n`), Buffer.from(r.data)]);

/** What a forward read of every file emits (the reference). */
function forward(files: Rec[][], follow: boolean): { lines: LogLine[]; pending: LogLine[] } {
  const splitter = new LineSplitter();
  const lines = files.flat().flatMap((r) => splitter.push(r.stream === 'o' ? 'stdout' : 'stderr', BigInt(r.time), Buffer.from(r.data)));
  const pending = splitter.flush();
  return follow ? { lines, pending } : { lines: [...lines, ...pending], pending: [] };
}

async function withFiles<T>(files: Rec[][], use: (handles: FileHandle[]) => Promise<T>): Promise<T> {
  const dir = tempDir('skiff-log-tail-');
  const handles: FileHandle[] = [];
  try {
    for (const [index, records] of files.entries()) {
      const path = join(dir, `log.${index}`);
      await writeFile(path, Buffer.concat(records.map(encode)));
      handles.push(await open(path, 'r'));
    }
    return await use(handles);
  } finally {
    await Promise.all(handles.map((handle) => handle.close()));
  }
}

const show = (lines: LogLine[]) => lines.map((line) => `${line.stream} ${line.timeNs} ${JSON.stringify(line.data.toString())}`);

const record = fc.record({
  stream: fc.constantFrom<'o' | 'e'>('o', 'e'),
  time: fc.nat(),
  // Newlines often, header-like text sometimes: the data must never be mistaken for a record.
  data: fc.stringOf(fc.constantFrom('a', 'b', '\n', '\n', 'o 1 3\n', 'e 2 0\n'), { maxLength: 12 }),
});

describe('tailLog', () => {
  it('gives the last N lines of a forward read, and a follower the unterminated rest', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(record, { maxLength: 12 }), { minLength: 1, maxLength: 4 }), fc.nat(30), fc.boolean(), async (files, count, follow) => {
        const expected = forward(files, follow);
        const tail = await withFiles(files, async (handles) => tailLog(handles, await indexLog(handles[handles.length - 1]!), count, follow));
        expect(show(tail.lines)).toEqual(show(count === 0 ? [] : expected.lines.slice(-count)));
        expect(show(tail.unterminated)).toEqual(show(expected.pending));
      }),
      { numRuns: 300 },
    );
  });

  it('a 1-million-line log: the last 5 lines, without a crash', async () => {
    // As a supervisor writes `seq 1000000`: chunks of up to 4 KiB, so lines span records.
    const text = Buffer.from(Array.from({ length: 1_000_000 }, (_, i) => `${i + 1}\n`).join(''));
    const records: Rec[] = [];
    for (let at = 0, time = 1; at < text.length; at += 4096, time++) records.push({ stream: 'o', time, data: text.subarray(at, at + 4096).toString() });
    const tail = await withFiles([records], async ([handle]) => tailLog([handle!], await indexLog(handle!), 5, false));
    expect(tail.lines.map((line) => line.data.toString())).toEqual(['999996\n', '999997\n', '999998\n', '999999\n', '1000000\n']);
  });
});
