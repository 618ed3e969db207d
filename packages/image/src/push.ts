/**
 * `push`: an image's blobs and manifest to its registry, with the same auth as pull (tokens for pull,push).
 *
 * A pulled or loaded image goes back byte for byte: its kept layer blobs, its config blob and, when the manifest
 * it came with is kept, that manifest (so the registry digest is the one it was pulled by). An image made here
 * (busybox, import, commit) is exported (archive/export.ts), each layer gzipped, under a new OCI manifest.
 * Blobs the repository has are skipped (HEAD), as docker's "Layer already exists".
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { invalidArgument } from '@skiff/plugin';
import { exportImage } from './archive/export.js';
import { withStaging } from './archive/staging.js';
import { crypto } from './files.js';
import { parseReference, registryHost } from './reference.js';
import type { Credentials } from './registry/auth.js';
import { createRegistryClient } from './registry/client.js';
import { parseManifest } from './registry/manifest.js';
import { DOCKER_CONFIG, DOCKER_MANIFEST, OCI_CONFIG, OCI_MANIFEST } from './registry/media-types.js';
import { allowsHttp, type RegistrySettings } from './registry/settings.js';
import type { ImageStore } from './store.js';

/** docker push's words; `id` is a layer's short digest. */
export interface PushEvent {
  id: string;
  status: 'Preparing' | 'Pushing' | 'Pushed' | 'Layer already exists';
}

export interface PushOptions {
  settings?: RegistrySettings;
  credentials?: Credentials;
  onProgress?: (event: PushEvent) => void;
  signal?: AbortSignal;
}

export interface PushResult {
  /** The tag pushed (docker's `TAG: digest: … size: …` line). */
  tag: string;
  digest: string;
  size: number;
}

interface Blob {
  digest: string;
  size: number;
  mediaType: string;
  path: string;
}

export async function pushImage(store: ImageStore, name: string, options: PushOptions = {}): Promise<PushResult> {
  const reference = parseReference(name);
  if (reference.digest) throw invalidArgument(`cannot push ${name}: push a tag, not a digest`);
  const image = await store.get(name);
  const tag = reference.tag ?? 'latest';
  const client = createRegistryClient({
    host: registryHost(reference.domain),
    allowHttp: allowsHttp(options.settings ?? { insecureRegistries: [] }, reference.domain),
    credentials: options.credentials,
    signal: options.signal,
    push: true,
  });
  const emit = options.onProgress ?? (() => undefined);
  return withStaging(store, async (staging) => {
    const configDigest = `sha256:${image.id}`;
    let layers: Blob[];
    let config: Blob;
    let manifest: { body: Buffer; mediaType: string };
    const kept = image.layerBlobs && store.blobs.has(configDigest) && image.layerBlobs.every((blob) => store.blobs.has(blob.digest));
    if (kept) {
      layers = image.layerBlobs!.map((blob) => ({ ...blob, path: store.blobs.path(blob.digest) }));
      const docker = layers.every((layer) => layer.mediaType.startsWith('application/vnd.docker.'));
      const { size } = await (await import('node:fs/promises')).stat(store.blobs.path(configDigest));
      config = { digest: configDigest, size, mediaType: docker ? DOCKER_CONFIG : OCI_CONFIG, path: store.blobs.path(configDigest) };
      manifest = keptManifest(store, image.digest, configDigest) ?? buildManifest(config, layers, docker ? DOCKER_MANIFEST : OCI_MANIFEST);
    } else {
      const exported = await exportImage(store, image, staging);
      layers = [];
      for (const [i, layer] of exported.layers.entries()) {
        const path = join(staging, `push-${i}.tar.gz`);
        const hash = crypto().createHash('sha256');
        let size = 0;
        const gzip = (await import('node:zlib')).createGzip();
        gzip.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          size += chunk.length;
        });
        await (await import('node:stream/promises')).pipeline(createReadStream(layer.path), gzip, createWriteStream(path, { mode: 0o600 }));
        layers.push({ digest: `sha256:${hash.digest('hex')}`, size, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', path });
      }
      const configPath = join(staging, 'config.json');
      await (await import('node:fs/promises')).writeFile(configPath, exported.config);
      config = { digest: exported.configDigest, size: exported.config.length, mediaType: OCI_CONFIG, path: configPath };
      manifest = buildManifest(config, layers, OCI_MANIFEST);
    }

    const repository = reference.path;
    for (const layer of layers) emit({ id: layer.digest.slice(7, 19), status: 'Preparing' });
    for (const blob of [...layers, config]) {
      const shown = blob !== config;
      const id = blob.digest.slice(7, 19);
      if (await client.hasBlob(repository, blob.digest)) {
        if (shown) emit({ id, status: 'Layer already exists' });
        continue;
      }
      if (shown) emit({ id, status: 'Pushing' });
      await client.uploadBlob(repository, blob.digest, blob.size, () => createReadStream(blob.path));
      if (shown) emit({ id, status: 'Pushed' });
    }
    const digest = await client.putManifest(repository, tag, manifest.body, manifest.mediaType);
    return { tag, digest, size: manifest.body.length };
  });
}

/** The manifest the image was pulled or loaded with, when it is kept and names this config. */
function keptManifest(store: ImageStore, digest: string | undefined, configDigest: string): { body: Buffer; mediaType: string } | undefined {
  if (!digest || !store.blobs.has(digest)) return undefined;
  const body = process.getBuiltinModule('node:fs').readFileSync(store.blobs.path(digest));
  try {
    const parsed = parseManifest(body, undefined, digest);
    if (parsed.kind === 'image' && parsed.config.digest === configDigest) return { body, mediaType: parsed.mediaType };
  } catch {
    // not a manifest skiff reads: build one
  }
  return undefined;
}

function buildManifest(config: Blob, layers: Blob[], mediaType: string): { body: Buffer; mediaType: string } {
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
      layers: layers.map((layer) => ({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size })),
    }),
  );
  return { body, mediaType };
}
