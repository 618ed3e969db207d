import { describe, expect, it } from 'vitest';
import { checkId } from './plan.js';

describe('plan helpers', () => {
  it('accepts ordinary container ids and refuses path-like ones', () => {
    for (const id of ['c1', 'a'.repeat(64), 'my_container.1-x']) expect(() => checkId(id)).not.toThrow();
    for (const id of ['', '.', '..', '../x', 'a/b', '-x', 'a'.repeat(129), 'a\nb']) expect(() => checkId(id)).toThrow(/invalid container id/);
  });
});
