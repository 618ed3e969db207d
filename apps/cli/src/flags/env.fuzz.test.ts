// Property-based tests of -e parsing: any entries give a name → value record the runtime accepts, or one
// INVALID_ARGUMENT line; `-e KEY` copies from the shell for run and create, and is refused by exec.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateEnv } from '@skiff/core';
import { SkiffError } from '@skiff/plugin';
import { anyString, attempt } from '../../../../test/fuzz.js';
import { parseEnv } from './env.js';

const kind = SkiffError;
const envKey = fc.oneof(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,5}$/), fc.constantFrom('', 'PATH', 'A', 'a b', 'é', 'X\0Y', 'K\nL', '__proto__'));
const envEntry = fc.oneof(
  fc.tuple(envKey, fc.constantFrom('=', '', '=='), fc.constantFrom('', '1', 'a=b', 'x y', 'multi\nline', '\0')).map((parts) => parts.join('')),
  anyString(['=', 'A', 'PATH']),
);
const valueOf = (entries: string[], name: string) => {
  const entry = entries.findLast((other) => other.slice(0, other.indexOf('=')) === name);
  return entry?.slice(entry.indexOf('=') + 1);
};

describe('parseEnv (fuzz)', () => {
  it('exec: accepts exactly KEY=VALUE entries with a non-empty key and no NUL; the last KEY wins', () => {
    fc.assert(
      fc.property(fc.array(envEntry, { maxLength: 4 }), (entries) => {
        const outcome = attempt(() => parseEnv(entries), kind, entries);
        const valid = entries.every((entry) => entry.indexOf('=') > 0 && !entry.includes('\0'));
        expect(outcome.ok).toBe(valid);
        if (!outcome.ok) return;
        expect(validateEnv(outcome.value)).toBe(outcome.value);
        for (const [name, value] of Object.entries(outcome.value)) expect(value).toBe(valueOf(entries, name));
        expect(Object.keys(outcome.value).length).toBe(new Set(entries.map((entry) => entry.slice(0, entry.indexOf('=')))).size);
      }),
      { numRuns: 300 },
    );
  });

  it('run: KEY alone copies the shell value, or is dropped when the shell has none', () => {
    fc.assert(
      fc.property(fc.constantFrom('HOME', 'UNSET', 'EMPTY', '__proto__'), (name) => {
        const shell = { HOME: '/root', EMPTY: '' };
        const env = parseEnv([name], shell);
        expect(Object.entries(env)).toEqual(Object.hasOwn(shell, name) ? [[name, shell[name as keyof typeof shell]]] : []);
      }),
    );
    expect(() => parseEnv([''], {})).toThrow('empty -e entry: expected KEY=VALUE or KEY');
    expect(() => parseEnv(['=x'], {})).toThrow('invalid environment entry "=x": expected KEY=VALUE');
  });
});

describe('names that are also object keys', () => {
  // Assigning env[name] = value would set the record's prototype for `-e __proto__=x` and lose the variable.
  it('keeps __proto__ as a variable', () => {
    expect(Object.entries(parseEnv(['__proto__=x']))).toEqual([['__proto__', 'x']]);
  });
});
