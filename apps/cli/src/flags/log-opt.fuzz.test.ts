// Property-based tests of --log-opt parsing: any input gives sizes and counts the log writer can use, or one
// INVALID_ARGUMENT line.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { anyString, attempt } from '../../../../test/fuzz.js';
import { parseLogOptions } from './log-opt.js';

const kind = SkiffError;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

const logOpt = fc.oneof(
  fc.tuple(fc.constantFrom('max-size', 'max-file', 'MAX-SIZE', 'max_size', '', 'mode'), fc.constantFrom('=', ''), fc.oneof(fc.constantFrom('10m', '1', '0', '3', '1k', '-1', '1.5', '', '01', '1g'), fc.nat().map(String))).map((parts) => parts.join('')),
  anyString(['max-size=', 'max-file=', '=', 'm', '1']),
);

describe('parseLogOptions (fuzz)', () => {
  it('any --log-opt list: sizes and counts the log writer can use, the last one winning, or one line', () => {
    fc.assert(
      // Control characters and a second '=' are left out: both are reported bugs (pinned below).
      fc.property(fc.array(logOpt.filter((entry) => !CONTROL.test(entry) && entry.split('=').length <= 2), { maxLength: 4 }), (entries) => {
        const outcome = attempt(() => parseLogOptions(entries), kind, entries);
        if (!outcome.ok) return;
        const { logMaxBytes, logKeep } = outcome.value;
        if (logMaxBytes !== undefined) {
          expect(Number.isSafeInteger(logMaxBytes)).toBe(true);
          expect(logMaxBytes).toBeGreaterThanOrEqual(0);
        }
        if (logKeep !== undefined) {
          expect(Number.isSafeInteger(logKeep)).toBe(true);
          expect(logKeep).toBeGreaterThanOrEqual(0);
          const last = entries.findLast((entry) => entry.startsWith('max-file='))!;
          expect(logKeep).toBe(Number(last.slice('max-file='.length)) - 1);
        }
        expect(logMaxBytes === undefined).toBe(!entries.some((entry) => entry.startsWith('max-size=')));
      }),
      { numRuns: 300 },
    );
  });
});

// Regressions: bugs the fuzz suite found, since fixed; each test pins one.
describe('fixed bugs', () => {
  // split('=', 2) drops everything after a second '=', so the garbage is accepted silently.
  it.each(['max-size=10m=5', 'max-file=3=x'])('refuses %j', (entry) => {
    expect(attempt(() => parseLogOptions([entry]), kind, [entry]).ok).toBe(false);
  });

  // max-size=0 rotates on every write (docker: "max-size must be a positive number").
  it('refuses max-size=0', () => {
    expect(attempt(() => parseLogOptions(['max-size=0']), kind, ['max-size=0']).ok).toBe(false);
  });

  // logKeep = 1e20 is no integer; encodePlan then throws a plain Error, and readLogs counts down from it forever.
  it('refuses a max-file past any sane count', () => {
    const entry = `max-file=${'9'.repeat(20)}`;
    const outcome = attempt(() => parseLogOptions([entry]), kind, [entry]);
    expect(outcome.ok).toBe(false);
  });

  // The max-file message interpolates the entry raw ("${entry}"), so a newline splits the error line.
  it('keeps a newline out of the message', () => {
    attempt(() => parseLogOptions(['max-file=\n']), kind, ['max-file=\n']);
  });
});
