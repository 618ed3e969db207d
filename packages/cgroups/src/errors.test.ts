import { describe, expect, it } from 'vitest';
import { CgroupError } from './errors.js';

describe('CgroupError', () => {
  it('is recognised by its brand and carries a code', () => {
    const error = new CgroupError('NOT_SUPPORTED', 'no');
    expect(CgroupError.isInstance(error)).toBe(true);
    expect(CgroupError.isInstance({ ...error })).toBe(true); // the brand is an own property: survives a second copy
    expect(CgroupError.isInstance(new Error('x'))).toBe(false);
    expect(CgroupError.is(error, 'NOT_SUPPORTED')).toBe(true);
    expect(CgroupError.is(error, 'INTERNAL')).toBe(false);
  });
});
