import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { parseMount, parseMountFlag, parseVolumeSpec } from './volumes.js';

function failure(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    expect(SkiffError.is(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).not.toContain('\n');
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('parseVolumeSpec', () => {
  // Regression: an earlier runtime split the spec on '/' instead of ':'.
  it('splits on ":" and keeps nested paths whole', () => {
    expect(parseVolumeSpec('/srv/data:/data')).toEqual({ source: '/srv/data', target: '/data', readOnly: false, options: {} });
    expect(parseVolumeSpec('/a/b/c:/d/e/f:ro')).toEqual({ source: '/a/b/c', target: '/d/e/f', readOnly: true, options: {} });
  });

  it('reads ro, rw, driver= and key=value options', () => {
    expect(parseVolumeSpec('/a:/b:rw')).toMatchObject({ readOnly: false });
    expect(parseVolumeSpec('/a:/b:ro,driver=overlay,workdir=/w')).toEqual({
      source: '/a',
      target: '/b',
      readOnly: true,
      driver: 'overlay',
      options: { workdir: '/w' },
    });
    expect(parseVolumeSpec('/a:/b:size=10=m')).toMatchObject({ options: { size: '10=m' } });
    expect(parseVolumeSpec('/a:/b:ro,ro')).toMatchObject({ readOnly: true });
    expect(parseVolumeSpec('/a:/b')).not.toHaveProperty('driver');
  });

  it('normalises paths: collapses //, drops trailing / and .', () => {
    expect(parseVolumeSpec('//srv//data/:/data/./x/')).toMatchObject({ source: '/srv/data', target: '/data/x' });
    expect(parseVolumeSpec('/:/host')).toMatchObject({ source: '/', target: '/host' });
  });

  it.each([
    [':/b', 'empty host path'],
    ['/a:', 'empty container path'],
    ['/a:relative', 'container path "relative" is not absolute'],
    ['..:/b', 'volume name ".." is invalid'],
    ['a\u0001:/b', 'volume name "a\\u0001" is invalid'],
    ['data/x:/b', 'host path "data/x" is not absolute'],
    ['./a:/b', 'host path "./a" is not absolute'],
    ['/a:/b:bogus', 'unknown option "bogus"'],
    ['/a:/b:ro,rw', 'both ro and rw given'],
    ['/a:/b:', "empty option list after the last ':'"],
    ['/a:/b:ro,', 'empty option'],
    ['/a:/b:=x', 'unknown option "=x"'],
    ['/a:/b:k=', 'option k= has no value'],
    ['/a:/b:k=1,k=2', 'option k given twice'],
    ['/a:/b:driver=Bad!', 'driver name "Bad!" is invalid'],
    ['/a:/b:driver=bind,driver=overlay', 'driver given twice'],
    ['/a:/b:ro:x', "too many ':'"],
    ['/a\0:/b', 'contains a NUL or newline character'],
    ['/a:/b\n', 'contains a NUL or newline character'],
    ['/a/../etc:/b', 'host path "/a/../etc" contains a \'..\' component'],
    ['/a:/b/../../etc', 'container path "/b/../../etc" contains a \'..\' component'],
    ['/a:/', "cannot mount a volume over the container's root /"],
    ['/a://', "cannot mount a volume over the container's root /"],
  ])('refuses %j: %s', (spec, why) => {
    const error = failure(() => parseVolumeSpec(spec));
    expect(error.message).toContain(why);
    expect(error.message).toContain(`invalid volume ${JSON.stringify(spec)}: `);
    expect(error.message).toMatch(/; expected -v \/host\/dir:\/container\/dir\[:ro\]$/);
  });
});

describe('parseMountFlag', () => {
  it('reads docker --mount syntax into the same VolumeSpec', () => {
    expect(parseMountFlag('type=bind,source=/a,target=/b,readonly,volume-driver=overlay')).toEqual({
      source: '/a',
      target: '/b',
      readOnly: true,
      driver: 'overlay',
      options: {},
    });
    expect(parseMountFlag('type=bind,src=/srv/data,dst=/data')).toEqual(parseVolumeSpec('/srv/data:/data'));
    expect(parseMountFlag('source=/a,destination=/b,ro=false')).toMatchObject({ readOnly: false });
    expect(parseMountFlag('source=/a,target=/b,readonly=1,volume-opt=workdir=/w')).toMatchObject({ readOnly: true, options: { workdir: '/w' } });
  });

  it('carries paths with ":" and, quoted, with ","', () => {
    expect(parseMountFlag('source=/a:b,target=/c:d')).toMatchObject({ source: '/a:b', target: '/c:d' });
    expect(parseMountFlag('"source=/a,b",target=/c')).toMatchObject({ source: '/a,b', target: '/c' });
    expect(parseMountFlag('source="/x""y",target=/c')).toMatchObject({ source: '/x"y' });
  });

  it.each([
    ['type=nfs,target=/b', 'type "nfs" is not supported; use type=bind, type=volume or type=tmpfs'],
    ['type=bind,target=/b', 'missing source='],
    ['type=bind,source=/a', 'missing target='],
    ['source=/a,target=relative', 'target "relative" is not absolute'],
    ['source=a,target=/b', 'source "a" is not absolute'],
    ['type=volume,source=..,target=/b', 'volume name ".." is invalid'],
    ['source=/a,target=/', "cannot mount a volume over the container's root /"],
    ['source=/a/..,target=/b', "contains a '..' component"],
    ['source=/a,target=/b,bogus=1', 'unknown field "bogus"'],
    ['source=/a,target=/b,readonly=maybe', 'readonly=maybe is not true or false'],
    ['source=/a,target=/b,source=/c', 'source given twice'],
    ['source=/a,target=/b,volume-opt=novalue', 'volume-opt needs the form volume-opt=key=value'],
    ['source=/a,,target=/b', 'empty field'],
    ['"source=/a,target=/b', 'unterminated quote'],
    ['source=/a\n,target=/b', 'contains a NUL or newline character'],
  ])('refuses %j: %s', (value, why) => {
    const error = failure(() => parseMountFlag(value));
    expect(error.message).toContain(why);
    expect(error.message).toMatch(/; expected --mount type=bind,source=\/host\/dir,target=\/container\/dir\[,readonly\]$/);
  });
});

describe('named volumes', () => {
  it('keeps a volume name as the source, for drivers that manage their own volumes', () => {
    expect(parseVolumeSpec('scratch:/scratch:driver=tmpfs,size=8m')).toEqual({
      source: 'scratch', target: '/scratch', readOnly: false, driver: 'tmpfs', options: { size: '8m' },
    });
    expect(parseMountFlag('type=volume,source=scratch,target=/s,volume-driver=tmpfs').source).toBe('scratch');
    expect(() => parseMountFlag('type=bind,source=scratch,target=/s')).toThrow(/not absolute/);
  });

  it("takes docker's anonymous forms: -v /path and --mount type=volume without source", () => {
    expect(parseVolumeSpec('/var/lib/data/')).toEqual({ source: '', target: '/var/lib/data', readOnly: false, options: {} });
    expect(parseMountFlag('type=volume,target=/d,readonly')).toEqual({ source: '', target: '/d', readOnly: true, options: {} });
    expect(() => parseMountFlag('type=bind,target=/d')).toThrow(/missing source=/);
  });

  it('reads --mount type=tmpfs as a tmpfs mount, not a volume', () => {
    expect(parseMount('type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1777')).toEqual({ tmpfs: { target: '/t', options: ['size=64m', 'mode=1777'] } });
    expect(parseMount('type=volume,source=v,target=/t')).toEqual({ volume: { source: 'v', target: '/t', readOnly: false, options: {} } });
    for (const bad of ['type=tmpfs', 'type=tmpfs,target=/', 'type=tmpfs,target=/t,source=/x', 'type=tmpfs,target=/t,tmpfs-size=lots']) {
      expect(() => parseMount(bad), bad).toThrow(/^invalid --mount/);
    }
  });
});
