// Property-based tests of `run` input validation (env, hostname, workdir): any input gives a valid value or one
// INVALID_ARGUMENT line; mergeEnv keeps one entry per key, the last one, in first-seen order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { anyString, attempt } from '../../../../test/fuzz.js';
import { mergeEnv, validateEnv, validateHostname, validateWorkdir } from './validate.js';

const kind = SkiffError;
const RUNS = { numRuns: 200 };
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
/** Inputs without control characters: hostname and workdir messages echo input raw (reported; pinned below). */
const printable = (arbitrary: fc.Arbitrary<string>) => arbitrary.filter((text) => !CONTROL.test(text));
const keyOf = (entry: string) => entry.split('=', 1)[0]!;

const goodEntry = fc.tuple(fc.constantFrom('A', 'B', 'C', 'PATH', 'HOME', 'a.b'), fc.constantFrom('', '1', '2', 'x=y', 'v w')).map(([k, v]) => `${k}=${v}`);
/** KEY=VALUE entries as a name → value record (the last of a name wins), as the CLI's -e parser makes them. */
const toRecord = (entries: string[]) => Object.fromEntries(entries.map((entry) => [keyOf(entry), entry.slice(keyOf(entry).length + 1)]));
const envName = fc.oneof(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,5}$/), fc.constantFrom('', 'PATH', 'a b', 'é', 'X\0Y', 'K\nL', 'A=B', '=', '__proto__'), anyString(['=', 'A']));
const envValue = fc.oneof(fc.constantFrom('', '1', 'a=b', 'x y', 'multi\nline', '\0'), anyString(['=', '\0']));

describe('validateEnv / mergeEnv (fuzz)', () => {
  it('accepts exactly names without "=" or NUL (non-empty) and values without NUL, unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(envName, envValue), { maxLength: 4 }), (pairs) => {
        const env = Object.fromEntries(pairs);
        const outcome = attempt(() => validateEnv(env), kind, pairs.flat());
        const valid = Object.entries(env).every(([name, value]) => name !== '' && !/[=\0]/.test(name) && !value.includes('\0'));
        expect(outcome.ok).toBe(valid);
        if (outcome.ok) expect(outcome.value).toBe(env);
      }),
      { numRuns: 300 },
    );
  });

  it('merge: one entry per key, the last given wins, keys in first-seen order', () => {
    fc.assert(
      fc.property(fc.array(goodEntry, { maxLength: 8 }), fc.array(goodEntry, { maxLength: 8 }), (base, overrides) => {
        const all = [...base, ...overrides];
        const merged = mergeEnv(base, toRecord(overrides));
        const keys = merged.map(keyOf);
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys).toEqual([...new Set(all.map(keyOf))]);
        for (const entry of merged) expect(entry).toBe(all.findLast((other) => keyOf(other) === keyOf(entry)));
        expect(mergeEnv(merged, {})).toEqual(merged);
        expect(mergeEnv(base, {})).toEqual(mergeEnv([], toRecord(base)));
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

// Regressions: bugs the fuzz suite found, since fixed; each test pins one.
describe('fixed bugs', () => {
  // validate.ts interpolates the input raw ("${value}"), so a newline in it splits the error line.
  it.each([
    ['validateHostname', () => validateHostname('a\nb'), 'a\nb'],
    ['validateWorkdir', () => validateWorkdir('a\nb'), 'a\nb'],
  ])('%s echoes a newline raw', (_, run, input) => {
    attempt(run, kind, [input]);
  });
});
