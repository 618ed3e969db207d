/**
 * An image as the bytes save and push hand on: its config blob and its layers as uncompressed tars, bottom first.
 *
 * A pulled or loaded image keeps its config blob and its layer blobs (record.layerBlobs): the config goes out as
 * it came (so the image id, the config's digest, stays the same) and each layer blob is decompressed and checked
 * against the config's diff id. An image made here (busybox, import, commit) has no config blob: its layer
 * directories are tarred (GNU tar, numeric owners, security.capability and user.* xattrs, sorted, without atimes and ctimes, so the same directory gives the same tar; overlay whiteouts as OCI ones) and a config is
 * written for them, so its id elsewhere is that config's digest, not the id skiff shows for it here.
 */
import { execFile, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { SkiffError } from '@skiff/plugin';
import { crypto } from '../files.js';
import { decompressLayer } from '../layer.js';
import { createXattrScanner } from '../pax-xattrs.js';
import { digestMismatch } from '../registry/digest.js';
import { hostPlatform } from '../registry/manifest.js';
import { layerCompression } from '../registry/media-types.js';
import type { ImageRecord, ImageStore } from '../store.js';

const execFileAsync = promisify(execFile);

export interface ExportedLayer {
  /** An uncompressed tar of the layer (in the caller's staging dir). */
  path: string;
  /** `sha256:` of that tar: the config's diff id. */
  diffId: string;
  size: number;
}

export interface ExportedImage {
  config: Buffer;
  /** `sha256:` of config: the image id as docker counts it. */
  configDigest: string;
  layers: ExportedLayer[];
}

/** Writes `image`'s layers as tars into `staging` (file names `layer-<n>`, n counting from `first`). */
export async function exportImage(store: ImageStore, image: ImageRecord, staging: string, first = 0): Promise<ExportedImage> {
  const configDigest = `sha256:${image.id}`;
  const blobs = image.layerBlobs;
  if (blobs && image.diffIds && blobs.length === image.diffIds.length && store.blobs.has(configDigest) && blobs.every((blob) => store.blobs.has(blob.digest))) {
    const layers: ExportedLayer[] = [];
    for (const [i, blob] of blobs.entries()) {
      const compression = layerCompression(blob.mediaType) ?? 'none';
      const path = join(staging, `layer-${first + i}`);
      const label = `layer ${blob.digest} of ${image.name}`;
      const { stream, done } = await decompressLayer(createReadStream(store.blobs.path(blob.digest)), compression, label);
      const { digest, size } = await hashInto(stream, path);
      await done;
      if (digest !== image.diffIds[i]) throw digestMismatch(`${label} (uncompressed)`, image.diffIds[i]!, digest);
      layers.push({ path, diffId: digest, size });
    }
    return { config: await readFile(store.blobs.path(configDigest)), configDigest, layers };
  }

  // Made here: tar the directories, bottom first, and describe them in a new config.
  const dirs = store.layerDirs(image).reverse();
  const layers: ExportedLayer[] = [];
  for (const [i, dir] of dirs.entries()) {
    if (!existsSync(dir)) throw new SkiffError('INTERNAL', `a layer of ${image.name} (${dir}) is missing`);
    const path = join(staging, `layer-${first + i}`);
    await tarLayer(dir, path, join(staging, `markers-${first + i}`));
    const { digest, size } = await hashInto(createReadStream(path), undefined);
    layers.push({ path, diffId: digest, size });
  }
  const config = image.config;
  const bytes = Buffer.from(
    JSON.stringify({
      architecture: image.architecture ?? hostPlatform().architecture,
      os: image.os ?? 'linux',
      created: image.created,
      config: {
        Env: config.env,
        Cmd: config.cmd,
        ...(config.entrypoint ? { Entrypoint: config.entrypoint } : {}),
        WorkingDir: config.workingDir === '/' ? '' : config.workingDir,
        ...(config.user ? { User: config.user } : {}),
        ...(config.labels ? { Labels: config.labels } : {}),
        ...(config.stopSignal ? { StopSignal: config.stopSignal } : {}),
        ...(config.exposedPorts?.length ? { ExposedPorts: Object.fromEntries(config.exposedPorts.map((port) => [port, {}])) } : {}),
        ...(config.onBuild?.length ? { OnBuild: config.onBuild } : {}),
      },
      rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
      history: layers.map(() => ({ created: image.created, created_by: 'skiff' })),
    }),
  );
  return { config: bytes, configDigest: `sha256:${crypto().createHash('sha256').update(bytes).digest('hex')}`, layers };
}

const TAR = ['--numeric-owner', '--xattrs', '--sort=name', '--pax-option=delete=atime,delete=ctime'];

/**
 * A layer directory as an OCI layer tar. overlayfs marks deletions its own way (a 0/0 character device, a
 * `trusted.overlay.opaque=y` directory: what commit copies from a container's upper dir); the tar carries the
 * OCI form instead: the device is left out and an empty `.wh.NAME` added, an opaque directory gets
 * `.wh..wh..opq`. The markers are appended as files only (no directory entries that would change modes).
 */
async function tarLayer(dir: string, path: string, markers: string): Promise<void> {
  const whiteouts: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(join(dir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isCharacterDevice() && (await lstat(join(dir, child))).rdev === 0) whiteouts.push(child);
      else if (entry.isDirectory()) await walk(child);
    }
  };
  await walk('');
  const opaques = await opaqueDirs(dir);
  const excluded = whiteouts.flatMap((file) => [`--exclude=./${file}`]);
  await execFileAsync('tar', [...TAR, '--xattrs-include=security.capability', '--xattrs-include=user.*', '--anchored', '--no-wildcards', ...excluded, '-C', dir, '-cf', path, '.']);
  const names = [...whiteouts.map((file) => join(dirname(file), `.wh.${basename(file)}`)), ...opaques.map((opaque) => join(opaque, '.wh..wh..opq'))];
  if (names.length === 0) return;
  for (const name of names) {
    await mkdir(join(markers, dirname(name)), { recursive: true, mode: 0o755 });
    await writeFile(join(markers, name), '', { mode: 0o644 });
  }
  await execFileAsync('tar', [...TAR, '--no-recursion', '-C', markers, '-rf', path, ...names.map((name) => `./${name}`)]);
}

/** Directories of `dir` overlayfs marks opaque, found in GNU tar's own PAX records (Node cannot read xattrs). */
async function opaqueDirs(dir: string): Promise<string[]> {
  const scanner = createXattrScanner((name) => name === 'trusted.overlay.opaque');
  const child = spawn('tar', ['--xattrs', '--xattrs-include=trusted.overlay.opaque', '-C', dir, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'ignore'] });
  for await (const chunk of child.stdout) scanner.push(chunk as Buffer);
  await new Promise((resolve) => child.once('close', resolve));
  return [...scanner.result()].filter(([, values]) => values.get('trusted.overlay.opaque')?.toString() === 'y').map(([path]) => path).filter((path) => path !== '' && path !== '.');
}

/** Hashes a stream, writing it to `path` when given. */
async function hashInto(stream: NodeJS.ReadableStream, path: string | undefined): Promise<{ digest: string; size: number }> {
  const hash = crypto().createHash('sha256');
  let size = 0;
  const count = (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  };
  if (!path) {
    for await (const chunk of stream) count(chunk as Buffer);
  } else {
    const [{ Transform }, { pipeline }] = await Promise.all([import('node:stream'), import('node:stream/promises')]);
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        count(chunk);
        callback(null, chunk);
      },
    });
    await pipeline(stream, tap, createWriteStream(path, { mode: 0o600 }));
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}
