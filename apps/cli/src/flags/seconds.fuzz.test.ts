// Property-based tests of -t seconds (stop, restart): any input gives whole seconds or one INVALID_ARGUMENT line.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { anyString, attempt } from '../../../../test/fuzz.js';
import { parseSeconds } from './seconds.js';

const kind = SkiffError;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

describe('parseSeconds (fuzz)', () => {
  it('any text: whole seconds, or one INVALID_ARGUMENT line', () => {
    fc.assert(
      fc.property(anyString(['1', '0', '-', '.', 'e']).filter((text) => !CONTROL.test(text)), (text) => {
        const outcome = attempt(() => parseSeconds(text), kind, [text]);
        expect(outcome.ok).toBe(/^\d+$/.test(text));
        if (outcome.ok) expect(outcome.value).toBe(Number(text));
      }),
      { numRuns: 300 },
    );
  });
});

// Regressions: bugs the fuzz suite found, since fixed; each test pins one.
describe('fixed bugs', () => {
  // The message interpolates the input raw ("${value}"), so a newline splits the error line.
  it('keeps a newline out of the message', () => {
    attempt(() => parseSeconds('1\n'), kind, ['1\n']);
  });
});
