import { describe, expect, it } from 'vitest';
import { SkiffError, notFound } from './errors.js';

describe('SkiffError', () => {
  it('is recognised by its brand, even from another copy of the module', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('skiff.error')]: true, code: 'NOT_FOUND' });
    expect(SkiffError.isInstance(foreign)).toBe(true);
    expect(SkiffError.isInstance(new Error('plain'))).toBe(false);
    expect(SkiffError.is(notFound('gone'), 'NOT_FOUND')).toBe(true);
    expect(SkiffError.is(notFound('gone'), 'INTERNAL')).toBe(false);
  });
});
