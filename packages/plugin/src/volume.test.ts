import { describe, expect, it } from 'vitest';
import { SkiffError } from './errors.js';
import { checkVolumeName } from './volume.js';
import { BAD_VOLUME_NAMES } from './testing/named-volume.js';

describe('checkVolumeName', () => {
  it("takes docker's names", () => {
    for (const name of ['a', 'pgdata', 'my_vol.1-x', '0', 'x'.repeat(255)]) expect(checkVolumeName(name)).toBe(name);
  });

  it('refuses separators, dot names, NUL and over-long names in one line', () => {
    for (const bad of BAD_VOLUME_NAMES) {
      let error: unknown;
      try {
        checkVolumeName(bad);
      } catch (e) {
        error = e;
      }
      expect(SkiffError.is(error, 'INVALID_ARGUMENT'), JSON.stringify(bad)).toBe(true);
      expect((error as Error).message).not.toContain('\n');
      expect((error as Error).message.length).toBeLessThan(250);
    }
  });
});
