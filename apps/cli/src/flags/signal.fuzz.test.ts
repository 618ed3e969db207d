// Property-based tests of `kill -s` signal names: any input gives a signal Node knows or one INVALID_ARGUMENT line.
import { constants } from 'node:os';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { anyString, attempt } from '../../../../test/fuzz.js';
import { parseSignal } from './signal.js';

const kind = SkiffError;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
/** Inputs without control characters: the message echoes input raw (reported; pinned below). */
const printable = (arbitrary: fc.Arbitrary<string>) => arbitrary.filter((text) => !CONTROL.test(text));

const signals = constants.signals as Record<string, number>;
const signalName = fc.constantFrom(...Object.keys(signals));

describe('parseSignal (fuzz)', () => {
  it('any text: a signal Node knows, or one INVALID_ARGUMENT line', () => {
    const text = printable(
      fc.oneof(
        anyString(['SIG', 'KILL', 'TERM', 'sig', '9', '15', '0', '64']),
        signalName.map((name) => name.slice(3)),
        fc.integer({ min: -1, max: 100 }).map(String),
      ),
    );
    fc.assert(
      fc.property(text, (value) => {
        const outcome = attempt(() => parseSignal(value), kind, [value]);
        if (!outcome.ok) return;
        expect(Object.hasOwn(signals, outcome.value)).toBe(true);
        expect(parseSignal(outcome.value)).toBe(outcome.value);
      }),
      { numRuns: 300 },
    );
  });

  it('every signal by name, short name, any case, padded, and by number', () => {
    fc.assert(
      fc.property(signalName, fc.boolean(), fc.boolean(), fc.constantFrom('', ' ', '\t'), (name, short, lower, pad) => {
        let text = short ? name.slice(3) : name;
        if (lower) text = text.toLowerCase();
        expect(parseSignal(`${pad}${text}${pad}`)).toBe(name);
        expect(signals[parseSignal(String(signals[name]))]).toBe(signals[name]);
      }),
      { numRuns: 200 },
    );
  });
});

// Regressions: bugs the fuzz suite found, since fixed; each test pins one.
describe('fixed bugs', () => {
  // signal.ts interpolated the input raw ("${value}"), so a newline in it split the error line.
  it('keeps a newline out of the message', () => {
    attempt(() => parseSignal('\nKILL9'), kind, ['\nKILL9']);
  });

  // signal.ts upper-cases with full Unicode rules, so 'ſigkill' (long s) and 'sıgkill' (dotless i) are SIGKILL.
  it('accepts only ASCII names', () => {
    expect(attempt(() => parseSignal('ſigkill'), kind, ['ſigkill']).ok).toBe(false);
  });
});
