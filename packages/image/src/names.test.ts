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

  it('follows docker: docker.io and library/ are implied, other registries and digests are kept', () => {
    expect(canonicalImageName('docker.io/library/busybox:latest')).toBe('busybox');
    expect(canonicalImageName('library/busybox')).toBe('busybox');
    expect(canonicalImageName('index.docker.io/team/tool:1')).toBe('team/tool:1');
    expect(canonicalImageName('127.0.0.1:5000/app')).toBe('127.0.0.1:5000/app');
    expect(canonicalImageName('localhost/app:v2')).toBe('localhost/app:v2');
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(canonicalImageName(`ghcr.io/org/app@${digest}`)).toBe(`ghcr.io/org/app@${digest}`);
    expect(canonicalImageName(`alpine:3@${digest}`)).toBe(`alpine@${digest}`);
  });

  it.each(['', 'Busybox', '-x', '.x', '/abs', 'a//b', 'a/', 'a/../b', 'a/./b', 'x:', 'x:-bad', 'x:a/b', 'a b', 'x\0', 'a'.repeat(256), 'a..b', 'a-', 'A/b/C', 'x@sha256:12', 'x@md5:0123456789abcdef0123456789abcdef', 'a_-b'])(
    'refuses %j',
    (name) => {
      let error: unknown;
      try {
        canonicalImageName(name);
      } catch (caught) {
        error = caught;
      }
      expect(SkiffError.is(error, 'INVALID_ARGUMENT')).toBe(true);
      expect((error as Error).message).toMatch(/^invalid reference format /);
    },
  );

  it('encodes / and : so a record file never leaves images/', () => {
    expect(imageFileName('team/tool:v1')).toBe('team%2Ftool%3Av1.json');
    expect(imageFileName('busybox')).toBe('busybox.json');
    expect(imageFileName(`x@sha256:${'0'.repeat(64)}`)).toBe(`x%40sha256%3A${'0'.repeat(64)}.json`);
  });
});
