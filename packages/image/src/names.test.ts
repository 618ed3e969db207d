import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { canonicalImageName, imageFileName } from './names.js';

describe('image names', () => {
  it('drops :latest and keeps other tags', () => {
    expect(canonicalImageName('busybox')).toBe('busybox');
    expect(canonicalImageName('busybox:latest')).toBe('busybox');
    expect(canonicalImageName('myimg:v1')).toBe('myimg:v1');
    expect(canonicalImageName('team/tool.x_y-z:2.0')).toBe('team/tool.x_y-z:2.0');
  });

  it.each(['', 'Busybox', '-x', '.x', '/abs', 'a//b', 'a/', 'a/../b', 'a/./b', 'x:', 'x:-bad', 'x:a/b', 'a b', 'x\0', 'a'.repeat(256)])(
    'refuses %j',
    (name) => {
      let error: unknown;
      try {
        canonicalImageName(name);
      } catch (caught) {
        error = caught;
      }
      expect(SkiffError.is(error, 'INVALID_ARGUMENT')).toBe(true);
      expect((error as Error).message).toMatch(/^invalid image name /);
    },
  );

  it('encodes / and : so a record file never leaves images/', () => {
    expect(imageFileName('team/tool:v1')).toBe('team%2Ftool%3Av1.json');
    expect(imageFileName('busybox')).toBe('busybox.json');
  });
});
