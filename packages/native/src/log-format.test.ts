import { describe, expect, it } from 'vitest';
import { parseLogRecords } from './log-format.js';

const record = (stream: 'o' | 'e', time: string, data: Buffer | string) => {
  const bytes = Buffer.from(data);
  return Buffer.concat([Buffer.from(`${stream} ${time} ${bytes.length}\n`), bytes]);
};

describe('parseLogRecords', () => {
  it('parses stdout and stderr records in order, bytes intact', () => {
    const binary = Buffer.from([0, 10, 255, 13, 10]);
    const buffer = Buffer.concat([record('o', '1700000000000000001', 'hello\n'), record('e', '1700000000000000002', binary), record('o', '3', '')]);
    const { records, rest } = parseLogRecords(buffer);
    expect(rest.length).toBe(0);
    expect(records.map((r) => r.stream)).toEqual(['stdout', 'stderr', 'stdout']);
    expect(records[0]).toEqual({ stream: 'stdout', timeNs: 1700000000000000001n, data: Buffer.from('hello\n') });
    expect(records[1]!.data.equals(binary)).toBe(true);
    expect(records[2]!.data.length).toBe(0);
  });

  // Pins: `skiff logs -f` reads while the supervisor writes; a half-written record must wait, not break.
  it('returns a partial record (header or data) as the unconsumed tail, at every cut', () => {
    const whole = Buffer.concat([record('o', '11', 'first line\n'), record('e', '22', 'second\n')]);
    for (let cut = 0; cut <= whole.length; cut++) {
      const first = parseLogRecords(whole.subarray(0, cut));
      const second = parseLogRecords(Buffer.concat([first.rest, whole.subarray(cut)]));
      const data = [...first.records, ...second.records].map((r) => r.data.toString());
      expect(data).toEqual(['first line\n', 'second\n']);
      expect(second.rest.length).toBe(0);
    }
  });

  it('rejects bytes that are not a record', () => {
    expect(() => parseLogRecords(Buffer.from('hello world\n'))).toThrow(/not a skiff log record at byte 0/);
    expect(() => parseLogRecords(Buffer.concat([record('o', '1', 'x'), Buffer.from('x 1 1\nx')]))).toThrow(/at byte 7/);
    expect(() => parseLogRecords(Buffer.alloc(100, 'a'))).toThrow(/not a skiff log record/);
  });
});
