import { describe, expect, it } from 'vitest';
import { SkiffError, invalidArgument, notFound } from './errors.js';

describe('SkiffError', () => {
  it('is recognised by its brand, even from another copy of the module', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('skiff.error')]: true, code: 'NOT_FOUND' });
    expect(SkiffError.isInstance(foreign)).toBe(true);
    expect(SkiffError.isInstance(new Error('plain'))).toBe(false);
    expect(SkiffError.is(notFound('gone'), 'NOT_FOUND')).toBe(true);
    expect(SkiffError.is(notFound('gone'), 'INTERNAL')).toBe(false);
  });

  // Regression (env fuzz, seed -1059753153): `-e $'\x7f'` echoed DEL raw, since JSON.stringify leaves it.
  it('writes control characters of what it echoes escaped: one terminal line, whatever the input', () => {
    const error = invalidArgument(`invalid environment entry ${JSON.stringify('\x7f')}: expected KEY=VALUE`, { hint: 'a\x1b[2Jb\nc' });
    expect(error.message).toBe('invalid environment entry "\\u007f": expected KEY=VALUE');
    expect(error.hint).toBe('a\\u001b[2Jb\\u000ac');
  });
});
