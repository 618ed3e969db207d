import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHealthState } from './health-file.js';

describe('health state file', () => {
  it('parses what the supervisor writes', () => {
    const out = 'line one\nprobe 1 2 3 4\n';
    const text = `skiff-health 1\nstatus unhealthy\nstreak 3\nprobe 10 20 1 ${Buffer.byteLength(out)}\n${out}\nprobe 30 40 -1 0\n\nend\nprobe stale`;
    expect(parseHealthState(Buffer.from(text))).toEqual({
      status: 'unhealthy',
      failingStreak: 3,
      log: [
        { startMs: 10, endMs: 20, exitCode: 1, output: out },
        { startMs: 30, endMs: 40, exitCode: -1, output: '' },
      ],
    });
  });

  it('is undefined without its end (read mid-write)', () => {
    expect(parseHealthState(Buffer.from('skiff-health 1\nstatus healthy\nstreak 0\nprobe 1 2 0 3\nab'))).toBeUndefined();
  });

  it('never throws on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('', 'skiff-health 1\nstatus healthy\nstreak 0\n'), (bytes, prefix) => {
        parseHealthState(Buffer.concat([Buffer.from(prefix), Buffer.from(bytes)]));
      }),
    );
  });
});
