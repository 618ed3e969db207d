import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { familiarString, isLoopbackRegistry, parseReference, registryHost } from './reference.js';

const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('image references (docker rules)', () => {
  it.each([
    ['alpine', { domain: 'docker.io', path: 'library/alpine', tag: 'latest', digest: undefined }],
    ['postgres:16', { domain: 'docker.io', path: 'library/postgres', tag: '16', digest: undefined }],
    ['team/tool:2.0', { domain: 'docker.io', path: 'team/tool', tag: '2.0', digest: undefined }],
    ['docker.io/library/alpine', { domain: 'docker.io', path: 'library/alpine', tag: 'latest', digest: undefined }],
    ['index.docker.io/team/tool', { domain: 'docker.io', path: 'team/tool', tag: 'latest', digest: undefined }],
    [`ghcr.io/org/app@${digest}`, { domain: 'ghcr.io', path: 'org/app', tag: undefined, digest }],
    [`ghcr.io/org/app:v1@${digest}`, { domain: 'ghcr.io', path: 'org/app', tag: 'v1', digest }],
    ['127.0.0.1:5000/some/image', { domain: '127.0.0.1:5000', path: 'some/image', tag: 'latest', digest: undefined }],
    ['localhost/app:v2', { domain: 'localhost', path: 'app', tag: 'v2', digest: undefined }],
    ['localhost:5000/app', { domain: 'localhost:5000', path: 'app', tag: 'latest', digest: undefined }],
    ['Registry/app', { domain: 'Registry', path: 'app', tag: 'latest', digest: undefined }],
    ['[::1]:5000/app', { domain: '[::1]:5000', path: 'app', tag: 'latest', digest: undefined }],
    ['a__b/c--d.e_f', { domain: 'docker.io', path: 'a__b/c--d.e_f', tag: 'latest', digest: undefined }],
  ])('%s', (text, expected) => {
    expect(parseReference(text)).toEqual(expected);
  });

  it.each([
    ['', /empty/],
    ['Alpine', /must be lowercase/],
    ['ghcr.io/Org/app', /must be lowercase/],
    ['alpine:', /tag "" is not allowed/],
    ['alpine:.x', /tag/],
    ['a..b', /path component "a..b"/],
    ['-a', /path component/],
    ['a/', /path component ""/],
    ['foo_bar.com:8080/x', /registry "foo_bar.com:8080"/],
    ['x@sha256:abc', /digest "sha256:abc" is malformed/],
    [`x@sha512:${'a'.repeat(128)}`, /only kind skiff accepts/],
    [`${'a'.repeat(256)}`, /longer than 255/],
  ])('refuses %j with one line', (text, why) => {
    let error: unknown;
    try {
      parseReference(text);
    } catch (caught) {
      error = caught;
    }
    expect(SkiffError.is(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/^invalid reference format /);
    expect((error as Error).message).toMatch(why);
    expect((error as Error).message).not.toContain('\n');
  });

  it('prints names as docker does', () => {
    expect(familiarString(parseReference('docker.io/library/alpine'))).toBe('alpine:latest');
    expect(familiarString(parseReference('docker.io/library/a/b:1'))).toBe('library/a/b:1');
    expect(familiarString(parseReference(`ghcr.io/org/app@${digest}`))).toBe(`ghcr.io/org/app@${digest}`);
  });

  it('knows docker hub host and loopback registries', () => {
    expect(registryHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryHost('127.0.0.1:5000')).toBe('127.0.0.1:5000');
    for (const yes of ['127.0.0.1:5000', '127.1.2.3', 'localhost', 'localhost:80', '[::1]:5000']) expect(isLoopbackRegistry(yes)).toBe(true);
    for (const no of ['docker.io', '128.0.0.1:5000', '127.0.0.1.example.com', 'localhost.example.com', '10.0.0.1', '127.0.0.256']) expect(isLoopbackRegistry(no)).toBe(false);
  });
});
