import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { choosePlatform, hostPlatform, parseManifest, type Platform } from './manifest.js';
import { DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST } from './media-types.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const manifest = (layerType: string) =>
  Buffer.from(JSON.stringify({ schemaVersion: 2, config: { mediaType: 'x', digest: digest('c'), size: 2 }, layers: [{ mediaType: layerType, digest: digest('1'), size: 3 }] }));

function refusal(run: () => unknown): SkiffError {
  try {
    run();
  } catch (error) {
    if (SkiffError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('manifests', () => {
  it('reads the kind from Content-Type, and from the body when the header is generic', () => {
    const parsed = parseManifest(manifest('application/vnd.docker.image.rootfs.diff.tar.gzip'), `${DOCKER_MANIFEST}; charset=utf-8`, 'x');
    expect(parsed).toMatchObject({ kind: 'image', mediaType: DOCKER_MANIFEST, layers: [{ compression: 'gzip', size: 3 }] });
    expect(parseManifest(manifest('application/vnd.oci.image.layer.v1.tar+zstd'), 'application/json', 'x')).toMatchObject({ kind: 'image', mediaType: OCI_MANIFEST, layers: [{ compression: 'zstd' }] });
    expect(parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] })), undefined, 'x')).toMatchObject({ kind: 'index', mediaType: OCI_INDEX });
  });

  it('refuses schema 1 with a clear line', () => {
    const error = refusal(() => parseManifest(Buffer.from('{"schemaVersion":1,"fsLayers":[]}'), 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'old:1'));
    expect(error.code).toBe('NOT_SUPPORTED');
    expect(error.message).toMatch(/^cannot pull old:1: it uses Docker image manifest schema 1, which skiff does not support; push the image again/);
  });

  it.each([
    ['not json', 'x{', /is not JSON/],
    ['a bad digest', JSON.stringify({ schemaVersion: 2, config: { mediaType: 'x', digest: 'sha256:../../etc', size: 1 }, layers: [] }), /not sha256:<64 hex digits>/],
    ['a negative size', JSON.stringify({ schemaVersion: 2, config: { mediaType: 'x', digest: digest('a'), size: -1 }, layers: [] }), /invalid size/],
    ['an unknown layer type', manifest('application/x-foreign').toString(), /cannot unpack/],
    ['a body that disagrees with the header', JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }), /says it is .* but the registry served it as/],
  ])('refuses %s', (_what, body, message) => {
    expect(refusal(() => parseManifest(Buffer.from(body), OCI_MANIFEST, 'x')).message).toMatch(message);
  });

  it('chooses platforms (arm64 v8 is the default variant) and parses --platform', () => {
    const entry = (c: string, platform: object) => ({ mediaType: OCI_MANIFEST, digest: digest(c), size: 1, platform: platform as never });
    const index = { kind: 'index' as const, mediaType: OCI_INDEX, manifests: [entry('0', { os: 'unknown', architecture: 'unknown' }), entry('1', { os: 'linux', architecture: 'arm', variant: 'v6' }), entry('2', { os: 'linux', architecture: 'arm', variant: 'v7' }), entry('3', { os: 'linux', architecture: 'arm64' })] };
    expect(choosePlatform(index, { os: 'linux', architecture: 'arm', variant: 'v7' } satisfies Platform, 'x').digest).toBe(digest('2'));
    expect(choosePlatform(index, { os: 'linux', architecture: 'arm64', variant: 'v8' } satisfies Platform, 'x').digest).toBe(digest('3'));
    expect(refusal(() => choosePlatform(index, { os: 'linux', architecture: 'amd64' } satisfies Platform, 'x')).message).toMatch(/\(it has: linux\/arm\/v6, linux\/arm\/v7, linux\/arm64\)/);
    expect(hostPlatform().os).toBe('linux');
  });
});
