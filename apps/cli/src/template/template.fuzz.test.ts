// Property-based tests of the Go template subset (--format): any template text either renders or fails with one
// clear INVALID_ARGUMENT line (Go's `template: …` wording), whatever the data; well-formed pieces render as Go would.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { anyString, attempt } from '../../../../test/fuzz.js';
import { compileTemplate, formatList, struct } from './index.js';

const PIECES = ['{{', '}}', '{{-', '-}}', ' ', '.', '.A', '.B.C', '$', '$x', ':=', '=', '|', '(', ')', '"', '`', ',', 'if', 'else', 'end', 'range', 'with', 'break', 'continue', 'len', 'index', 'printf', 'json', 'join', 'and', 'or', 'eq', 'lt', 'nil', 'true', '1', '-2', '0x1f', '3.5', '/*', '*/', '\\', '\n', '%', '%d', '%s'];
const DATA = [{}, { A: 1, B: { C: ['x', 'y'] } }, struct('T', { A: 'a', B: null }), [1, 2], 'text', null, 7];

const template = fc.oneof(anyString(PIECES), fc.array(fc.constantFrom(...PIECES), { maxLength: 25 }).map((parts) => parts.join('')));

describe('Go template subset (fuzz)', () => {
  // Regression: the test itself once rewrote the `\/` inside an escaped backslash (`"\\/"`), corrupting the literal.
  it('reads back a backslash followed by a slash', () => {
    expect(compileTemplate(`{{${JSON.stringify('\\/')}}}`).render({})).toBe('\\/');
  });

  it('any template and data: text, or one INVALID_ARGUMENT line', () => {
    fc.assert(
      fc.property(template, fc.constantFrom(...DATA), (source, dot) => {
        const outcome = attempt(() => compileTemplate(source).render(dot), SkiffError, [source]);
        if (outcome.ok) expect(typeof outcome.value).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });

  it('text without an action prints itself', () => {
    fc.assert(
      fc.property(fc.string().filter((text) => !text.includes('{{')), (text) => {
        expect(compileTemplate(text).render({})).toBe(text);
      }),
    );
  });

  it('a field prints the string; printf %s and json round-trip any string', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        expect(compileTemplate('{{.S}}').render({ S: value })).toBe(value);
        expect(compileTemplate('{{printf "%s" .S}}').render({ S: value })).toBe(value);
        expect(JSON.parse(compileTemplate('{{json .}}').render({ S: value }))).toEqual({ S: value });
      }),
    );
  });

  it('a string literal written with Go escapes reads back as the string', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        // JSON.stringify's escapes (\" \\ \n \uXXXX…) are all Go escapes too.
        expect(compileTemplate(`{{${JSON.stringify(value)}}}`).render({})).toBe(value);
      }),
    );
  });

  it('any format over rows: lines or one clear error', () => {
    fc.assert(
      fc.property(fc.oneof(template, template.map((t) => `table ${t}`)), (format) => {
        const rows = [struct('R', { A: 'a', B: 'b' })];
        attempt(() => formatList(format, rows, { table: '{{.A}}', header: struct('R', { A: 'A', B: 'B' }) }), SkiffError, [format]);
      }),
      { numRuns: 1000 },
    );
  });
});
