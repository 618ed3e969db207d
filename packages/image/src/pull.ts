/**
 * `pull`: reference -> manifest (an index resolved to this platform) -> config -> layers, into the store.
 *
 * Layers are fetched and unpacked three at a time (docker's default); each one is skipped when its chain id is
 * already unpacked. A download that broke off (the registry died, Ctrl-C) is continued from where it stopped
 * by the next pull (a Range request; see blobs.ts). Every byte is verified before it is kept: manifests against their digest, the config and the
 * compressed layers against the manifest, the uncompressed layers against the config's diff ids. The image
 * record is written last, so a failure at any point leaves no image (only verified blobs and layers, reused by
 * the next pull).
 */
import { SkiffError, invalidArgument } from '@skiff/plugin';
import { chainIds, imageRecordConfig, parseImageConfig } from './image-config.js';
import { unpackLayer } from './layer.js';
import { canonicalImageName } from './names.js';
import { familiarName, parseReference, registryHost } from './reference.js';
import type { Credentials } from './registry/auth.js';
import { createRegistryClient } from './registry/client.js';
import { sha256 } from './registry/digest.js';
import { choosePlatform, formatPlatform, hostPlatform, parseManifest, type Platform } from './registry/manifest.js';
import { allowsHttp, type RegistrySettings } from './registry/settings.js';
import type { ImageRecord, ImageStore } from './store.js';

/** Progress, in docker's words; `id` is a layer's short digest (12 hex), absent for lines about the image. */
export interface PullEvent {
  id?: string;
  status: 'Pulling fs layer' | 'Already exists' | 'Downloading' | 'Download complete' | 'Extracting' | 'Pull complete';
  current?: number;
  total?: number;
}

export interface PullOptions {
  /** `skiff-helper` (unpacks whiteouts and device nodes). */
  helper: string;
  platform?: Platform;
  settings?: RegistrySettings;
  credentials?: Credentials;
  onProgress?: (event: PullEvent) => void;
  /** Layers fetched at once. Default 3. */
  concurrency?: number;
  signal?: AbortSignal;
}

export interface PullResult {
  image: ImageRecord;
  /** The digest the reference resolved to (an index's, for a multi-platform image). */
  digest: string;
  /** docker's last line: `Downloaded newer image for NAME` or `Image is up to date for NAME`. */
  status: string;
}

export async function pullImage(store: ImageStore, name: string, options: PullOptions): Promise<PullResult> {
  const reference = parseReference(name);
  const canonical = canonicalImageName(name);
  const display = reference.digest ? `${familiarName(reference)}@${reference.digest}` : `${familiarName(reference)}:${reference.tag}`;
  const client = createRegistryClient({
    host: registryHost(reference.domain),
    allowHttp: allowsHttp(options.settings ?? { insecureRegistries: [] }, reference.domain),
    credentials: options.credentials,
    signal: options.signal,
  });
  const repository = reference.path;
  const top = await client.manifest(repository, reference.digest ?? reference.tag!);
  let manifest = parseManifest(top.body, top.mediaType, display);
  const manifests = [top.body];
  if (manifest.kind === 'index') {
    const platform = options.platform ?? hostPlatform();
    const chosen = choosePlatform(manifest, platform, display);
    const fetched = await client.manifest(repository, chosen.digest);
    manifest = parseManifest(fetched.body, fetched.mediaType, `${display} (${formatPlatform(platform)})`);
    if (manifest.kind !== 'image') throw invalidArgument(`the ${formatPlatform(platform)} entry of ${display} is another index, not an image manifest`);
    manifests.push(fetched.body);
  }
  const image = manifest;
  const configBytes = await client.blobBytes(repository, image.config, `the config of ${display}`);
  const config = parseImageConfig(configBytes, image.layers.length, display);
  const id = image.config.digest.slice('sha256:'.length);
  const chains = chainIds(config.diffIds, (text) => sha256(text));

  const current = await store.get(canonical).catch(() => undefined);
  const upToDate = current?.id === id && current.layers.every((_, i) => store.chainLayer(chains[chains.length - 1 - i]!) === current.layers[i]);

  const emit = options.onProgress ?? (() => undefined);
  // A layer reused here may be deleted by an rmi before the record names it: saveImage then refuses (CONFLICT)
  // and the layers are stored again, as docker retries a layer removed mid-pull.
  for (let attempt = 1; ; attempt++) {
    const layerIds: string[] = new Array<string>(image.layers.length);
    let next = 0;
    let stop = false;
    const worker = async () => {
      while (next < image.layers.length && !stop) {
        const index = next++;
        const layer = image.layers[index]!;
        const short = layer.digest.slice(7, 19);
        const label = `layer ${layer.digest} of ${display}`;
        let downloaded = false;
        const result = await store
          .addChainLayer(
          chains[index]!,
          async (dir) => {
            const blob = await store.blobs.ingest(
              layer.digest,
              async (offset) => {
                downloaded = true;
                const { Transform } = await import('node:stream');
                const { stream, offset: start } = await client.blobFrom(repository, layer, label, offset);
                let seen = start;
                let reported = start;
                const progress = new Transform({
                  transform(chunk: Buffer, _encoding, callback) {
                    seen += chunk.length;
                    // A progress event per ~1% (or 512 KiB), not per chunk.
                    if (seen - reported >= Math.max(layer.size / 100, 512 * 1024) || seen === layer.size) {
                      reported = seen;
                      emit({ id: short, status: 'Downloading', current: seen, total: layer.size });
                    }
                    callback(null, chunk);
                  },
                });
                stream.on('error', (error) => progress.destroy(error));
                return { stream: stream.pipe(progress), offset: start };
              },
              { size: layer.size, what: label },
            );
            if (downloaded) emit({ id: short, status: 'Download complete' });
            emit({ id: short, status: 'Extracting' });
            await unpackLayer({ blob, compression: layer.compression, diffId: config.diffIds[index]!, dest: dir, helper: options.helper, label });
          },
          options.signal,
        )
          .catch((error: unknown) => {
            stop = true;
            throw error;
          });
        emit({ id: short, status: result.existed ? 'Already exists' : 'Pull complete' });
        layerIds[index] = result.id;
      }
    };
    for (const layer of image.layers) emit({ id: layer.digest.slice(7, 19), status: 'Pulling fs layer' });
    // allSettled: no worker is left writing after pull has returned, even when one failed.
    const outcomes = await Promise.allSettled(Array.from({ length: Math.min(options.concurrency ?? 3, Math.max(image.layers.length, 1)) }, worker));
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;

    // Configs and manifests are kept by digest too (for inspect, save and push later).
    await store.blobs.put(configBytes);
    for (const body of manifests) await store.blobs.put(body);
    const candidate: ImageRecord = {
      name: canonical,
      id,
      created: config.created ?? new Date().toISOString(),
      layers: layerIds.reverse(),
      config: imageRecordConfig(config),
      digest: top.digest,
      diffIds: config.diffIds,
      layerBlobs: image.layers.map((layer) => ({ digest: layer.digest, mediaType: layer.mediaType, size: layer.size })),
      architecture: config.architecture,
      os: config.os,
    };
    try {
      const image = await store.saveImage(candidate);
      return { image, digest: top.digest, status: `${upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${display}` };
    } catch (error) {
      if (!SkiffError.is(error, 'CONFLICT') || attempt >= 3) throw error;
    }
  }
}

