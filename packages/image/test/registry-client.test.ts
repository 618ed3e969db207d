// The registry client and manifest parsing against a real registry (docker-registry on loopback, images pushed
// with skopeo): media types, platform choice, bounded and digest-checked reads, and tampered content refused.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { tempDir } from '../../../test/support.js';
import { createRegistryClient } from '../src/registry/client.js';
import { choosePlatform, parseManifest } from '../src/registry/manifest.js';
import { DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST } from '../src/registry/media-types.js';
import { ociLayout, push, registryUnavailable, startRegistry } from './registry-fixture.js';

const unavailable = registryUnavailable();
if (unavailable) console.warn(`skipped: the registry client tests ${unavailable}`);

async function caught(promise: Promise<unknown>): Promise<SkiffError> {
  try {
    await promise;
  } catch (error) {
    if (SkiffError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a SkiffError');
}

/** A registry holding `app:v1` (OCI, a gzip and a zstd layer), `app:v2s2` (Docker v2s2) and `app:multi` (amd64 + arm64). */
async function fixture() {
  const registry = await startRegistry();
  const layout = ociLayout(join(tempDir('layout-'), 'oci'));
  const one = layout.image({
    layers: [
      { entries: [{ path: 'etc/', type: 'dir' }, { path: 'etc/hello', content: 'one' }] },
      { entries: [{ path: 'etc/zstd', content: 'zstd layer' }], compression: 'zstd' },
    ],
  });
  layout.tag('v1', one);
  const two = layout.image({ layers: [{ entries: [{ path: 'bin/', type: 'dir' }, { path: 'bin/tool', content: '#!/bin/sh\n', mode: 0o755 }] }] });
  layout.tag('v2s2', two);
  const arm = layout.image({ layers: [{ entries: [{ path: 'arch', content: 'arm64' }] }], architecture: 'arm64', variant: 'v8' });
  const amd = layout.image({ layers: [{ entries: [{ path: 'arch', content: 'amd64' }] }] });
  const index = layout.tagIndex('multi', [
    { built: arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { built: amd, platform: { os: 'linux', architecture: 'amd64' } },
  ]);
  push(layout.dir, 'v1', `${registry.host}/team/app:v1`);
  push(layout.dir, 'v2s2', `${registry.host}/team/app:v2s2`, { format: 'v2s2' });
  push(layout.dir, 'multi', `${registry.host}/team/app:multi`, { all: true });
  return { registry, one, two, arm, amd, index, client: createRegistryClient({ host: registry.host }) };
}

describe.skipIf(unavailable !== undefined)('registry client (docker-registry on loopback)', () => {
  it('pulls an OCI manifest, its config and a gzip and a zstd layer, each verified', async () => {
    const { client, one } = await fixture();
    const fetched = await client.manifest('team/app', 'v1');
    expect(fetched.mediaType).toBe(OCI_MANIFEST);
    expect(fetched.digest).toBe(one.manifest.digest);
    const manifest = parseManifest(fetched.body, fetched.mediaType, 'team/app:v1');
    if (manifest.kind !== 'image') throw new Error('expected an image manifest');
    expect(manifest.layers.map((layer) => layer.compression)).toEqual(['gzip', 'zstd']);
    const config = await client.blobBytes('team/app', manifest.config, 'the config');
    expect(JSON.parse(config.toString()).rootfs.diff_ids).toEqual(one.layers.map((layer) => layer.diffId));
    const chunks: Buffer[] = [];
    for await (const chunk of await client.blob('team/app', manifest.layers[1]!, 'layer 1')) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).length).toBe(one.layers[1]!.size);
    expect(await client.resolve('team/app', 'v1')).toBe(one.manifest.digest);
    // By digest too.
    expect((await client.manifest('team/app', one.manifest.digest)).digest).toBe(one.manifest.digest);
  });

  it('reads a Docker v2 schema 2 manifest and chooses a platform from an index, skipping attestations', async () => {
    const { client, amd, arm, index } = await fixture();
    const docker = await client.manifest('team/app', 'v2s2');
    expect(docker.mediaType).toBe(DOCKER_MANIFEST);
    expect(parseManifest(docker.body, docker.mediaType, 'v2s2').kind).toBe('image');
    const fetched = await client.manifest('team/app', 'multi');
    expect(fetched.mediaType).toBe(OCI_INDEX);
    expect(fetched.digest).toBe(index);
    const list = parseManifest(fetched.body, fetched.mediaType, 'multi');
    if (list.kind !== 'index') throw new Error('expected an index');
    list.manifests.unshift({ mediaType: OCI_MANIFEST, digest: arm.manifest.digest, size: 1, platform: { os: 'unknown', architecture: 'unknown' } });
    expect(choosePlatform(list, { os: 'linux', architecture: 'amd64' }, 'multi').digest).toBe(amd.manifest.digest);
    expect(choosePlatform(list, { os: 'linux', architecture: 'arm64' }, 'multi').digest).toBe(arm.manifest.digest);
    const none = (() => {
      try {
        choosePlatform(list, { os: 'linux', architecture: 's390x' }, 'multi');
      } catch (error) {
        return error as SkiffError;
      }
      throw new Error('expected a refusal');
    })();
    expect(none.message).toBe('no matching manifest for linux/s390x in the manifest list entries of multi (it has: linux/arm64/v8, linux/amd64); choose one with --platform');
  });

  it('says a tag is not found (404) in one line', async () => {
    const { client, registry } = await fixture();
    const error = await caught(client.manifest('team/app', 'nope'));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe(`manifest for ${registry.host}/team/app:nope not found: manifest unknown`);
    expect((await caught(client.manifest('team/other', 'v1'))).code).toBe('NOT_FOUND');
  });

  it('refuses a tampered layer blob and a tampered config (same size, other bytes)', async () => {
    const { client, registry, one } = await fixture();
    const manifest = parseManifest((await client.manifest('team/app', 'v1')).body, OCI_MANIFEST, 'v1');
    if (manifest.kind !== 'image') throw new Error('expected an image manifest');
    const flip = (digest: string) => {
      const path = registry.blobPath(digest);
      const bytes = readFileSync(path);
      bytes[bytes.length - 1] ^= 0xff;
      writeFileSync(path, bytes);
    };
    flip(one.layers[0]!.digest);
    const stream = await client.blob('team/app', manifest.layers[0]!, 'layer 0 of team/app:v1');
    const error = await text(stream).then(
      () => undefined,
      (reason: unknown) => reason as SkiffError,
    );
    expect(error?.message).toMatch(/^layer 0 of team\/app:v1 failed verification: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}; nothing was stored$/);
    flip(one.config.digest);
    expect((await caught(client.blobBytes('team/app', manifest.config, 'the config of team/app:v1'))).message).toMatch(/^the config of team\/app:v1 failed verification/);
  });

  it('refuses a manifest whose bytes do not match its digest (by digest and by tag)', async () => {
    const { client, registry, one } = await fixture();
    const path = registry.blobPath(one.manifest.digest);
    const original = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...original, annotations: { evil: 'yes' } }));
    expect((await caught(client.manifest('team/app', one.manifest.digest))).message).toMatch(/^the manifest of .* failed verification: expected sha256:/);
    expect((await caught(client.manifest('team/app', 'v1'))).message).toMatch(/failed verification/);
  });

  it('stops reading an endless manifest at 4 MiB (a hostile registry: chunked, no length)', async () => {
    let sent = 0;
    const server = createServer((request, response) => {
      if (request.url === '/v2/') return response.end('{}');
      response.writeHead(200, { 'content-type': OCI_MANIFEST });
      const more = () => {
        while (sent < 64 * 1024 * 1024) {
          sent += 64 * 1024;
          if (!response.write(Buffer.alloc(64 * 1024, 0x20))) return void response.once('drain', more);
        }
        response.end();
      };
      more();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    server.on('connection', (socket) => onTestFinished(() => void socket.destroy()));
    const client = createRegistryClient({ host: `127.0.0.1:${(server.address() as AddressInfo).port}` });
    const error = await caught(client.manifest('team/app', 'v1'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/^the manifest of .* is more than the 4194304 bytes skiff accepts; refusing it$/);
    expect(sent).toBeLessThan(32 * 1024 * 1024);
  });
});
