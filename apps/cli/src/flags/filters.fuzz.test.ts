// Property-based tests of --filter and time values (ps, images, events, container prune): any input gives filters
// or one INVALID_ARGUMENT line; the glob of `reference=` never crosses a '/'.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { anyString, attempt } from '../../../../test/fuzz.js';
import { globMatch, labelMatches, parseFilters } from './filters.js';
import { parseTimestamp } from './timestamp.js';

const KEYS = ['id', 'name', 'label', 'status'];

describe('--filter and time values (fuzz)', () => {
  it('any filter words: a map of known keys, or one INVALID_ARGUMENT line', () => {
    fc.assert(
      fc.property(fc.array(anyString(['=', 'label', 'name', 'id', '!', ' ']), { maxLength: 4 }), (words) => {
        const outcome = attempt(() => parseFilters(words, KEYS), SkiffError, words);
        if (outcome.ok) for (const key of outcome.value.keys()) expect(KEYS).toContain(key);
      }),
      { numRuns: 500 },
    );
  });

  it('any time text: milliseconds, or one INVALID_ARGUMENT line', () => {
    fc.assert(
      fc.property(anyString(['1', 'h', 'm', 's', '.', '-', 'T', 'Z', ':']), (text) => {
        const outcome = attempt(() => parseTimestamp(text, '--since', 1_000_000_000_000), SkiffError, [text]);
        if (outcome.ok) expect(Number.isFinite(outcome.value)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('globs: * and ? never match a /; a pattern without them matches only itself', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z/.:*?]{0,12}$/), fc.stringMatching(/^[a-z/.:]{0,12}$/), (pattern, text) => {
        const matched = globMatch(pattern, text);
        if (!/[*?]/.test(pattern)) expect(matched).toBe(pattern === text);
        if (matched) expect(text.split('/').length).toBe(pattern.split('/').length);
      }),
      { numRuns: 500 },
    );
  });

  it('labels: KEY is presence, KEY=VALUE equality', () => {
    expect(labelMatches({ a: '' }, 'a')).toBe(true);
    expect(labelMatches({ a: '1' }, 'a=1')).toBe(true);
    expect(labelMatches({ a: '1' }, 'a=2')).toBe(false);
    expect(labelMatches({}, '__proto__')).toBe(false);
    expect(labelMatches(undefined, 'a')).toBe(false);
  });
});
