/**
 * `load`: images from an archive into the store. Three shapes are read:
 * - docker's archive: `manifest.json` = `[{Config, RepoTags, Layers}]`, paths inside the archive (legacy
 *   `<id>/layer.tar` + `<hex>.json`, or docker 25+'s `blobs/sha256/<hex>` beside an OCI layout);
 * - an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/`) without manifest.json: each index entry
 *   named by its `io.containerd.image.name` (docker's) or a full `org.opencontainers.image.ref.name`; an entry
 *   that is itself an index is resolved to this platform.
 * Everything is checked before the first image is stored: a blob under `blobs/sha256/<hex>` must hash to hex,
 * an OCI descriptor's digest and size must match its blob, configs and manifests are at most 4 MiB, and each
 * layer's uncompressed bytes must hash to the config's diff id (while it is unpacked). A layer may be plain,
 * gzip or zstd (sniffed from its first bytes when no media type says). An image without a name (no RepoTags, no
 * name annotation: `docker save IMAGE_ID`) is stored dangling, `<none>:<none>`, unless a name has its id already.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { invalidArgument } from '@skiff/plugin';
import { chainIds, imageRecordConfig, parseImageConfig } from '../image-config.js';
import { unpackLayer } from '../layer.js';
import { canonicalImageName, danglingName, isDangling } from '../names.js';
import { taggedName } from '../inspect.js';
import { digestMismatch, sha256 } from '../registry/digest.js';
import { MAX_MANIFEST_BYTES, choosePlatform, hostPlatform, parseManifest, type Platform } from '../registry/manifest.js';
import { OCI_INDEX, type Compression } from '../registry/media-types.js';
import type { ImageRecord, ImageStore } from '../store.js';
import { archivePath, readArchive, type StagedArchive, type StagedFile } from './read.js';
import { withStaging } from './staging.js';

export interface LoadOptions {
  /** `skiff-helper` (unpacks whiteouts and device nodes). */
  helper: string;
  /** For an OCI index entry that is itself a multi-platform index. Default: the host's. */
  platform?: Platform;
  /** Names the archive in messages (a file path, or `stdin`). */
  label: string;
}

export interface LoadResult {
  /** docker's lines: `Loaded image: NAME:TAG` for each name. */
  lines: string[];
  images: ImageRecord[];
}

/** One image the archive holds, before it is checked. */
interface Entry {
  config: StagedFile;
  layers: { file: StagedFile; compression?: Compression; label: string }[];
  names: string[];
  label: string;
}

const LAYER_MEDIA: Record<Compression, string> = {
  none: 'application/vnd.oci.image.layer.v1.tar',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
};

export async function loadImages(store: ImageStore, source: Readable, options: LoadOptions): Promise<LoadResult> {
  return withStaging(store, async (staging) => {
    const archive = await readArchive(source, staging, options.label);
    const entries = archive.file('manifest.json') || archive.isLink('manifest.json') ? dockerEntries(archive) : await ociEntries(archive, options.platform ?? hostPlatform());
    if (entries.length === 0) throw invalidArgument(`${options.label} holds no images`);
    const lines: string[] = [];
    const images: ImageRecord[] = [];
    for (const entry of entries) {
      for (const image of await loadEntry(store, entry, options)) {
        images.push(image);
        // docker: an image without a name (RepoTags) is kept dangling, reported by its id.
        lines.push(isDangling(image.name) ? `Loaded image ID: sha256:${image.id}` : `Loaded image: ${taggedName(image.name)}`);
      }
    }
    return { lines, images };
  });
}

async function loadEntry(store: ImageStore, entry: Entry, options: LoadOptions): Promise<ImageRecord[]> {
  const configBytes = await readSmall(entry.config, `the config of ${entry.label}`);
  const config = parseImageConfig(configBytes, entry.layers.length, entry.label);
  const chains = chainIds(config.diffIds, (text) => sha256(text));
  const layerIds: string[] = [];
  const layerBlobs: NonNullable<ImageRecord['layerBlobs']> = [];
  for (const [index, layer] of entry.layers.entries()) {
    const compression = layer.compression ?? (await sniff(layer.file.path));
    const { id } = await store.addChainLayer(chains[index]!, (dir) =>
      unpackLayer({ blob: layer.file.path, compression, diffId: config.diffIds[index]!, dest: dir, helper: options.helper, label: layer.label }),
    );
    layerIds.push(id);
    // Kept as a blob too, so save and push give it back byte for byte.
    await store.blobs.ingest(layer.file.digest, async () => ({ stream: createReadStream(layer.file.path), offset: 0 }), { size: layer.file.size, what: layer.label });
    layerBlobs.push({ digest: layer.file.digest, mediaType: LAYER_MEDIA[compression], size: layer.file.size });
  }
  await store.blobs.put(configBytes);
  const record: Omit<ImageRecord, 'name'> = {
    id: sha256(configBytes).slice('sha256:'.length),
    created: config.created ?? new Date().toISOString(),
    layers: layerIds.reverse(),
    config: imageRecordConfig(config),
    diffIds: config.diffIds,
    layerBlobs,
    architecture: config.architecture,
    os: config.os,
  };
  const saved: ImageRecord[] = [];
  const names = entry.names.length > 0 ? entry.names : [danglingName(record.id)];
  for (const name of names) saved.push(await store.saveImage({ ...record, name }));
  return saved;
}

/** docker's manifest.json. */
function dockerEntries(archive: StagedArchive): Entry[] {
  const label = archive.label;
  if (archive.isLink('manifest.json')) throw invalidArgument(`invalid image archive ${label}: manifest.json is a link; refusing it`);
  // read.ts refused a manifest.json bigger than MAX_METADATA_BYTES from its header.
  const list = parseJson(readFileSync(archive.file('manifest.json')!.path, 'utf8'), `manifest.json of ${label}`);
  if (!Array.isArray(list)) throw invalidArgument(`invalid image archive ${label}: manifest.json is not a list`);
  return list.map((item: unknown, i) => {
    const value = item as { Config?: unknown; RepoTags?: unknown; Layers?: unknown } | null;
    const what = `image ${i} of manifest.json in ${label}`;
    if (typeof value !== 'object' || value === null || typeof value.Config !== 'string' || !Array.isArray(value.Layers)) {
      throw invalidArgument(`invalid image archive ${label}: ${what} has no Config or Layers`);
    }
    const tags = value.RepoTags ?? [];
    if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) throw invalidArgument(`invalid image archive ${label}: ${what} has RepoTags that are not names`);
    return {
      config: member(archive, value.Config, `the config of ${what}`),
      layers: value.Layers.map((layer: unknown, n) => {
        if (typeof layer !== 'string') throw invalidArgument(`invalid image archive ${label}: layer ${n} of ${what} is not a path`);
        return { file: member(archive, layer, `layer ${n} of ${what}`), label: `layer ${layer} in ${label}` };
      }),
      names: [...new Set(tags.map((tag) => canonicalImageName(tag)))],
      label: `image ${value.Config}`,
    };
  });
}

/** An OCI layout's index.json. */
async function ociEntries(archive: StagedArchive, platform: Platform): Promise<Entry[]> {
  const label = archive.label;
  if (archive.isLink('index.json')) throw invalidArgument(`invalid image archive ${label}: index.json is a link; refusing it`);
  const file = archive.file('index.json');
  if (!file) throw invalidArgument(`${label} is not an image archive: it has neither manifest.json (docker) nor index.json (OCI layout)`);
  const index = parseManifest(await readSmall(file, `index.json of ${label}`), OCI_INDEX, `index.json of ${label}`);
  if (index.kind !== 'index') throw invalidArgument(`invalid image archive ${label}: index.json is not an index`);
  const raw = parseJson(readFileSync(file.path, 'utf8'), `index.json of ${label}`) as { manifests: { annotations?: Record<string, unknown> }[] };
  const entries: Entry[] = [];
  for (const [i, descriptor] of index.manifests.entries()) {
    const annotations = raw.manifests[i]?.annotations ?? {};
    const name = ociName(annotations);
    let current = descriptor;
    let manifest = parseManifest(await blob(archive, current, `manifest ${i} of index.json`), current.mediaType, `${current.digest} in ${label}`);
    if (manifest.kind === 'index') {
      current = choosePlatform(manifest, platform, `${current.digest} in ${label}`);
      manifest = parseManifest(await blob(archive, current, `the ${platform.architecture} manifest`), current.mediaType, `${current.digest} in ${label}`);
      if (manifest.kind !== 'image') throw invalidArgument(`invalid image archive ${label}: ${current.digest} is an index inside an index inside index.json`);
    }
    const image = manifest;
    const existing = entries.find((entry) => entry.config.digest === image.config.digest);
    if (existing) {
      if (name) existing.names.push(name);
      continue;
    }
    entries.push({
      config: await blobFile(archive, image.config, `the config of ${current.digest}`),
      layers: await Promise.all(
        image.layers.map(async (layer, n) => ({ file: await blobFile(archive, layer, `layer ${n} of ${current.digest}`), compression: layer.compression, label: `layer ${layer.digest} in ${label}` })),
      ),
      names: name ? [name] : [],
      label: `image ${current.digest}`,
    });
  }
  return entries;
}

/** docker 25+ writes `io.containerd.image.name`; a `ref.name` counts only when it is a whole name, not a bare tag. */
function ociName(annotations: Record<string, unknown>): string | undefined {
  const full = annotations['io.containerd.image.name'];
  if (typeof full === 'string') return canonicalImageName(full);
  const ref = annotations['org.opencontainers.image.ref.name'];
  if (typeof ref === 'string' && /[/:]/.test(ref)) return canonicalImageName(ref);
  return undefined;
}

/** The file at archive path `name`: a staged blob must hash to the digest its path names. */
function member(archive: StagedArchive, name: string, what: string): StagedFile {
  const path = archivePath(name);
  if (typeof path !== 'string') throw invalidArgument(`invalid image archive ${archive.label}: ${what} (${JSON.stringify(name)}) ${path.unsafe}`);
  const file = archive.file(path);
  if (!file) throw invalidArgument(`invalid image archive ${archive.label}: ${what} (${name}) is missing`);
  const named = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(path)?.[1];
  if (named && file.digest !== `sha256:${named}`) throw digestMismatch(`${what} (${name}) in ${archive.label}`, `sha256:${named}`, file.digest);
  return file;
}

async function blobFile(archive: StagedArchive, descriptor: { digest: string; size: number }, what: string): Promise<StagedFile> {
  const file = member(archive, `blobs/sha256/${descriptor.digest.slice('sha256:'.length)}`, what);
  if (file.size !== descriptor.size) throw invalidArgument(`invalid image archive ${archive.label}: ${what} is ${file.size} bytes, not the ${descriptor.size} its descriptor says; nothing was loaded`);
  return file;
}

async function blob(archive: StagedArchive, descriptor: { digest: string; size: number }, what: string): Promise<Buffer> {
  return readSmall(await blobFile(archive, descriptor, what), `${what} in ${archive.label}`);
}

async function readSmall(file: StagedFile, what: string): Promise<Buffer> {
  if (file.size > MAX_MANIFEST_BYTES) throw invalidArgument(`${what} is ${file.size} bytes, more than the ${MAX_MANIFEST_BYTES} skiff reads; refusing it`);
  return readFile(file.path);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidArgument(`${what} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** A layer's compression from its magic bytes (docker archives name none). */
async function sniff(path: string): Promise<Compression> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    await handle.close();
  }
}
