/**
 * The image store: named images, each a list of read-only layer directories plus a small run config.
 *
 *   <root>/
 *     images/<name>.json    one record per image (ImageRecord), written atomically (temp file + rename);
 *                           '/' and ':' in the name are percent-encoded (`myimg:v1` -> `myimg%3Av1.json`); a
 *                           dangling image (no name) is keyed `<none>@sha256:<id>`, one record per id
 *     layers/<12 hex>/      layer contents (layers/ itself 0700: only root may reach a layer; each layer dir
 *                           keeps 0755, the mode a container sees on its '/'), a plain directory tree (the storage drivers' lower dirs). Ids are
 *                           short and random so overlay's `lowerdir=` string stays small. A layer is made for
 *                           one image; images made by `commit` share their parent's layers below their own. A
 *                           layer is deleted when no image names it any more.
 *     chains/<64 hex>       a pulled layer's chain id (OCI: its diff id stacked on its parents') -> the id of its
 *                           directory under layers/, so every image with that chain shares one unpacked copy
 *     blobs/                pulled blobs by digest (see blobs.ts); an image id is its config blob's digest
 *     locks/                per blob and per chain locks: two pulls at once fetch and unpack each layer once
 *     tmp/<pid>-<random>/   staging: a layer is built here and renamed into layers/ when complete, so a crash
 *                           or a concurrent build never leaves a half layer in use. A staging dir whose process
 *                           is gone is deleted by the next import.
 *
 * Concurrency: readers only ever see complete records (rename). Writers of the same name serialise on the lock
 * for the record swap; `ensureBusybox` builds outside the lock and, when another process committed first,
 * discards its own copy and returns the winner's.
 */
import { createReadStream, createWriteStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { mkdir, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { SkiffError, invalidArgument, notFound, removeTree, withLock, writeFileAtomic, type ImageConfig } from '@skiff/plugin';
import { buildBusyboxLayer } from './busybox.js';
import { crypto, processExists, uniqueSuffix } from './files.js';
import { createBlobStore, withLongLock, type BlobStore } from './blobs.js';
import { canonicalImageName, danglingName, imageFileName, imageIdPrefix, imageKey, isDangling } from './names.js';
import { repositoryOf } from './inspect.js';

export interface ImageRecord {
  /** Canonical name: without `:latest`; a dangling image's is `<none>@sha256:<id>` (names.ts danglingName). */
  name: string;
  /** 64 hex digits: a digest of the layers' content and the config. */
  id: string;
  /** ISO 8601. */
  created: string;
  /** Layer ids, top-most first (ids of directories under `<root>/layers`). */
  layers: string[];
  config: ImageConfig;
  /** Pulled images: the manifest (or index) digest the name resolved to, docker's RepoDigests entry. */
  digest?: string;
  /** Pulled images: the uncompressed layer digests, bottom first (the config's rootfs.diff_ids). */
  diffIds?: string[];
  /**
   * Pulled or loaded images: each layer's blob as the registry or archive had it (bottom first), kept in
   * blobs/, so save and push give back the same bytes and the image keeps its id.
   */
  layerBlobs?: { digest: string; mediaType: string; size: number }[];
  architecture?: string;
  os?: string;
  /** `import -m` and `commit -m`: docker's Comment. */
  comment?: string;
}

export interface ImportOptions {
  /** Overrides of the default config (busybox-like: PATH, `sh`, `/`). */
  config?: Partial<ImageConfig>;
  /** docker import's `-m`: shown as the image's Comment. */
  comment?: string;
}

export interface EnsureBusyboxOptions {
  /** The static busybox to build from. Default `/bin/busybox`. */
  busybox?: string;
}

/** node:util is loaded when first needed (a commit's copy), not at every start. */
const execFileAsync = async (file: string, args: string[]) => (await import('node:util')).promisify(execFile)(file, args);

export interface CommitOptions {
  /** The image the container was made from: the new image is layered on it. */
  parent: ImageRecord;
  /** The container's changes (its storage driver's diff directory). */
  diffDir: string;
  /**
   * Copies `diffDir` into the new (empty) layer directory. Default `cp -a`, which is safe only for a layer no
   * process changes meanwhile: a container swapping a directory for a symlink mid-copy makes it copy what the
   * symlink points to. The runtime passes its helper's no-follow copy-tree.
   */
  copy?: (from: string, to: string) => Promise<void>;
  /** Replaces fields of the parent's config. */
  config?: Partial<ImageConfig>;
  /** docker commit -m: the image's Comment (inspect, history). */
  comment?: string;
}

export interface ImageStore {
  readonly root: string;
  /** The image called `name`, or NOT_FOUND saying how to list and add images. */
  get(name: string): Promise<ImageRecord>;
  /**
   * The image `reference` names, else the one whose id it is (full or a prefix, `sha256:` or not), as docker
   * resolves save/tag/inspect arguments. `byId` says which. NOT_FOUND, or INVALID_ARGUMENT for an ambiguous prefix.
   */
  find(reference: string): Promise<{ image: ImageRecord; byId: boolean }>;
  /** All images (dangling ones under their `<none>@sha256:<id>` key), sorted by name. */
  list(): Promise<ImageRecord[]>;
  /** Host directories of the image's layers, top-most first. */
  layerDirs(image: ImageRecord): string[];
  /**
   * Imports a tar or tar.gz of a root filesystem (a file path, or a stream: it is staged to a file first) as a
   * one-layer image; replaces an image of that name.
   */
  importTarball(source: string | Readable, name: string, options?: ImportOptions): Promise<ImageRecord>;
  /** The `busybox` image, built from the host's static busybox the first time. Safe to call concurrently. */
  ensureBusybox(options?: EnsureBusyboxOptions): Promise<ImageRecord>;
  /**
   * Removes the name `name` (or a dangling image's key); its layers are deleted when no other name (nor `keepLayers`) uses them. Returns the
   * record removed. NOT_FOUND when there is no such image.
   */
  remove(name: string, options?: { keepLayers?: Iterable<string> }): Promise<ImageRecord>;
  /**
   * Deletes layer directories no image names, except `keep` (layers containers run on). A pull storing a layer
   * at that moment then fails with CONFLICT (pull again) rather than naming a deleted layer.
   */
  pruneLayers(keep?: Iterable<string>): Promise<void>;
  /** Gives image `source` the name `target` too (replacing an image of that name), as `docker tag`. */
  tag(source: string, target: string): Promise<ImageRecord>;
  /** Makes image `name` from a container's changes on top of its parent image's layers (`skiff commit`). */
  commit(name: string, options: CommitOptions): Promise<ImageRecord>;
  /** Pulled blobs. */
  readonly blobs: BlobStore;
  /** The layer directory id unpacked for `chainId`, when it is there. */
  chainLayer(chainId: string): string | undefined;
  /**
   * The layer for `chainId`: the existing one, or one `build` fills in a staging dir, published only when build
   * resolves. One process builds a chain at a time; the others wait and share it.
   */
  addChainLayer(chainId: string, build: (dir: string) => Promise<void>, signal?: AbortSignal): Promise<{ id: string; existed: boolean }>;
  /**
   * Writes an image record (replacing one of that name; the replaced image stays, dangling, when no other name
   * has it, as docker) and deletes layers no image names any more. A record named by danglingName is stored only
   * when no named image has its id.
   */
  saveImage(image: ImageRecord): Promise<ImageRecord>;
  /**
   * Runs `action` (writing a container record) under the records lock once every one of `dirs` (layer
   * directories, as layerDirs gives them) is still there: a container record is never written naming a layer
   * an rmi, re-pull or retag deleted meanwhile (CONFLICT, create again), and from then on `layersInUse` keeps them.
   */
  holdLayers<T>(dirs: string[], action: () => Promise<T>): Promise<T>;
}

export interface ImageStoreOptions {
  /**
   * Layer ids (directory names under layers/) that containers use. Consulted under the records lock each time
   * layers are about to be deleted: a re-pull, retag or rmi that leaves a container's layers without an image
   * keeps them (image prune removes them once no container uses them).
   */
  layersInUse?: () => Promise<Iterable<string>>;
}

export const DEFAULT_CONFIG: ImageConfig = {
  env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  cmd: ['sh'],
  workingDir: '/',
};

const LAYER_ID = /^[0-9a-f]{12}$/;
const CHAIN_ID = /^sha256:[0-9a-f]{64}$/;
const IMAGE_ID = /^[0-9a-f]{64}$/;

export function createImageStore(root: string, options: ImageStoreOptions = {}): ImageStore {
  const imagesDir = join(root, 'images');
  const layersDir = join(root, 'layers');
  const tmpDir = join(root, 'tmp');
  const lock = join(imagesDir, '.lock');
  const chainsDir = join(root, 'chains');
  const blobs = createBlobStore(root);
  const chainPath = (chainId: string) => {
    if (!CHAIN_ID.test(chainId)) throw new SkiffError('INTERNAL', `layer chain id ${JSON.stringify(chainId)} is damaged`);
    return join(chainsDir, chainId.slice('sha256:'.length));
  };
  const chainLayer = (chainId: string): string | undefined => {
    let id: string;
    try {
      id = readFileSync(chainPath(chainId), 'utf8').trim();
    } catch {
      return undefined;
    }
    return LAYER_ID.test(id) && isDirectory(layerPath(id)) ? id : undefined;
  };
  const recordPath = (canonical: string) => join(imagesDir, imageFileName(canonical));
  const layerPath = (id: string) => {
    if (!LAYER_ID.test(id)) throw new SkiffError('INTERNAL', `image layer id ${JSON.stringify(id)} is damaged`);
    return join(layersDir, id);
  };

  // Image records and layer directories are looked up on every `run`: small, local, read in place.
  async function read(canonical: string): Promise<ImageRecord | undefined> {
    let text: string;
    try {
      text = readFileSync(recordPath(canonical), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return parseRecord(text, recordPath(canonical));
  }

  async function layersPresent(image: ImageRecord): Promise<boolean> {
    for (const id of image.layers) {
      if (!isDirectory(layerPath(id))) return false;
    }
    return true;
  }

  /** A fresh staging dir; also deletes staging dirs of processes that are gone. */
  async function stage(): Promise<string> {
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(tmpDir)) {
      const pid = Number(name.split('-')[0]);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processExists(pid)) {
        await removeTree(join(tmpDir, name)).catch(() => undefined);
      }
    }
    const dir = join(tmpDir, uniqueSuffix());
    await mkdir(dir, { mode: 0o700 });
    await mkdir(join(dir, 'layer'), { mode: 0o755 });
    return dir;
  }

  /** Moves a finished layer into layers/ under a new id: mkdir reserves the id, rename replaces that empty dir. */
  async function publishLayer(staged: string): Promise<string> {
    await mkdir(layersDir, { recursive: true, mode: 0o700 });
    for (;;) {
      const id = crypto().randomBytes(6).toString('hex');
      try {
        await mkdir(join(layersDir, id), { mode: 0o755 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw error;
      }
      await rename(staged, join(layersDir, id));
      return id;
    }
  }

  /**
   * Deletes layers that no record names any more (nor `keep`: layers a container still runs on). The choice and
   * the unlinking of chains and layer dirs happen under the records lock, and saveImage checks its layers under
   * that lock too, so a pull that reused a chain either lands its record first (the layer stays) or finds the
   * layer gone and fails instead of naming a deleted layer. Layer dirs are renamed into staging under the lock
   * (fast) and deleted after it.
   */
  async function deleteLayers(ids: string[], keep: Iterable<string> = []): Promise<void> {
    if (ids.length === 0) return;
    await mkdir(imagesDir, { recursive: true, mode: 0o700 });
    const trash = await withLock(lock, async () => {
      const used = new Set([...(await list()).flatMap((image) => image.layers), ...keep, ...((await options.layersInUse?.()) ?? [])]);
      const gone = new Set(ids.filter((id) => !used.has(id)));
      if (gone.size === 0) return undefined;
      // The chain index first, so no pull picks a layer that is being deleted.
      const chains = await readdir(chainsDir).catch(() => [] as string[]);
      for (const name of chains) {
        const id = await readFile(join(chainsDir, name), 'utf8').catch(() => '');
        if (gone.has(id.trim())) await unlink(join(chainsDir, name)).catch(() => undefined);
      }
      const dir = await stage();
      for (const id of gone) await rename(layerPath(id), join(dir, id)).catch(() => undefined);
      return dir;
    });
    if (trash) await removeTree(trash);
  }

  /**
   * Under the lock, writes `image` unless `keep(current)` says the current record should stay. Returns the
   * record in force afterwards and the layers that lost their image.
   */
  async function commit(image: ImageRecord, keep: (current: ImageRecord) => Promise<boolean>, checkLayers = false): Promise<{ winner: ImageRecord; orphans: string[] }> {
    await mkdir(imagesDir, { recursive: true, mode: 0o700 });
    return withLock(lock, async () => {
      if (checkLayers && !(await layersPresent(image))) {
        throw new SkiffError('CONFLICT', `a layer of ${image.name} was removed while the image was being stored`, { hint: 'pull it again' });
      }
      const current = await read(image.name).catch(() => undefined);
      if (current && (await keep(current))) return { winner: current, orphans: image.layers };
      const others = (await list()).filter((other) => other.name !== image.name);
      if (isDangling(image.name) && others.some((other) => other.id === image.id)) return { winner: image, orphans: [] };
      await writeFileAtomic(recordPath(image.name), `${JSON.stringify(image, null, 2)}\n`);
      // A name given to a dangling image: it is no longer dangling.
      if (!isDangling(image.name)) await unlink(recordPath(danglingName(image.id))).catch(() => undefined);
      // docker: the image a tag moves off stays, as <none>:<none>, when no other name has it (and it is whole).
      if (current && current.id !== image.id && !others.some((other) => other.id === current.id) && (await layersPresent(current))) {
        const { digest: _digest, ...rest } = current;
        await writeFileAtomic(recordPath(danglingName(current.id)), `${JSON.stringify({ ...rest, name: danglingName(current.id) }, null, 2)}\n`);
        return { winner: image, orphans: [] };
      }
      return { winner: image, orphans: current ? current.layers.filter((id) => !image.layers.includes(id)) : [] };
    });
  }

  async function list(): Promise<ImageRecord[]> {
    let names: string[];
    try {
      names = await readdir(imagesDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const images: ImageRecord[] = [];
    for (const name of names.filter((entry) => entry.endsWith('.json') && !entry.startsWith('.'))) {
      try {
        images.push(parseRecord(await readFile(join(imagesDir, name), 'utf8'), join(imagesDir, name)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // removed meanwhile
      }
    }
    return images.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async function find(reference: string): Promise<{ image: ImageRecord; byId: boolean }> {
    if (isDangling(reference)) {
      const image = await read(imageKey(reference));
      if (!image) throw notFound(`No such image: ${reference}`);
      return { image, byId: true };
    }
    let named: ImageRecord | undefined;
    try {
      named = await read(canonicalImageName(reference));
    } catch (error) {
      // A string that is no valid name (64 hex digits) may still be an image id.
      if (!SkiffError.is(error, 'INVALID_ARGUMENT') || imageIdPrefix(reference) === undefined) throw error;
    }
    if (named) return { image: named, byId: false };
    const prefix = imageIdPrefix(reference);
    const matches = prefix ? (await list()).filter((image) => image.id.startsWith(prefix)) : [];
    if (new Set(matches.map((image) => image.id)).size > 1) throw invalidArgument(`image id ${reference} is ambiguous; give more of its digits`);
    // A named record first: its name is what inspect and tag show.
    const image = matches.find((match) => !isDangling(match.name)) ?? matches[0];
    if (!image) throw notFound(`No such image: ${reference}`);
    return { image, byId: true };
  }

  return {
    root,
    blobs,
    chainLayer,

    async addChainLayer(chainId, build, signal) {
      const existing = chainLayer(chainId);
      if (existing) return { id: existing, existed: true };
      return withLongLock(join(root, 'locks', `chain-${chainId.slice(7)}.lock`), async () => {
        const again = chainLayer(chainId);
        if (again) return { id: again, existed: true };
        const staging = await stage();
        try {
          await build(join(staging, 'layer'));
          const id = await publishLayer(join(staging, 'layer'));
          await mkdir(chainsDir, { recursive: true, mode: 0o700 });
          await writeFileAtomic(chainPath(chainId), `${id}\n`);
          return { id, existed: false };
        } finally {
          await rm(staging, { recursive: true, force: true });
        }
      }, `layer ${chainId}`, signal);
    },

    async saveImage(image) {
      imageKey(image.name);
      checkConfig(image.config);
      const { orphans } = await commit(image, async () => false, true);
      await deleteLayers(orphans);
      return image;
    },

    async holdLayers(dirs, action) {
      // Sync: on every `run`'s path before the helper starts, and the first time Bun's event loop waits (here it
      // would, on its thread pool) it runs a full GC, ~4 ms there (BUN_JSC_logGC=1 shows it); later, while the
      // container runs, it costs the caller nothing.
      mkdirSync(imagesDir, { recursive: true, mode: 0o700 });
      return withLock(lock, async () => {
        const gone = dirs.find((dir) => dir.startsWith(`${layersDir}/`) && !isDirectory(dir));
        if (gone) throw new SkiffError('CONFLICT', `a layer of the image (${gone}) was removed meanwhile by another command`, { hint: 'run the command again' });
        return action();
      });
    },

    async pruneLayers(keep = []) {
      const ids = await readdir(layersDir).catch(() => [] as string[]);
      await deleteLayers(ids.filter((id) => LAYER_ID.test(id)), keep);
    },

    async tag(source, target) {
      const { image } = await find(source).catch((error: unknown) => {
        throw SkiffError.is(error, 'NOT_FOUND') ? notFound(`No such image: ${source}`) : error;
      });
      const tagged: ImageRecord = { ...image, name: canonicalImageName(target) };
      // The registry digest belongs to the repository it was pulled from (docker's RepoDigests), not to new names.
      if (repositoryOf(tagged.name) !== repositoryOf(image.name)) delete tagged.digest;
      if (tagged.name === image.name) return image;
      const { orphans } = await commit(tagged, async () => false, true);
      await deleteLayers(orphans);
      return tagged;
    },

    async get(name) {
      const image = await read(canonicalImageName(name));
      if (!image) throw notFound(`image "${name}" not found; skiff images lists the images, skiff import adds one`);
      return image;
    },

    list,
    find,

    layerDirs(image) {
      return image.layers.map(layerPath);
    },

    async importTarball(source, name, options = {}) {
      const canonical = canonicalImageName(name);
      if (typeof source === 'string') {
        const info = await stat(source).catch(() => undefined);
        if (!info?.isFile()) throw notFound(`cannot import ${source}: no such file`);
      }
      const config: ImageConfig = { ...DEFAULT_CONFIG, ...options.config };
      checkConfig(config);
      const staging = await stage();
      try {
        let path = source;
        if (typeof path !== 'string') {
          path = join(staging, 'source');
          const { pipeline } = await import('node:stream/promises');
          await pipeline(source as Readable, createWriteStream(path, { mode: 0o600 }));
        }
        const digest = await sha256File(path);
        // Loaded on demand: the tar library is large and only `import` needs it.
        const { extractLayer } = await import('./tar.js');
        await extractLayer(path, join(staging, 'layer'));
        const layer = await publishLayer(join(staging, 'layer'));
        const image = { ...newRecord(canonical, [layer], [digest], config), ...(options.comment ? { comment: options.comment } : {}) };
        const { orphans } = await commit(image, async () => false);
        await deleteLayers(orphans);
        return image;
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    },

    async ensureBusybox(options = {}) {
      const existing = await read('busybox').catch(() => undefined);
      if (existing && (await layersPresent(existing))) return existing;
      const staging = await stage();
      try {
        const digest = await buildBusyboxLayer(options.busybox ?? '/bin/busybox', join(staging, 'layer'));
        const layer = await publishLayer(join(staging, 'layer'));
        const image = newRecord('busybox', [layer], [digest], DEFAULT_CONFIG);
        // Another process may have committed a busybox meanwhile: then keep theirs and drop ours.
        const { winner, orphans } = await commit(image, layersPresent);
        await deleteLayers(orphans);
        return winner;
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    },

    async commit(name, options) {
      const canonical = canonicalImageName(name);
      const config: ImageConfig = { ...options.parent.config, ...options.config };
      checkConfig(config);
      const staging = await stage();
      try {
        // The copy keeps what overlayfs put in the upper dir: modes, owners, xattrs (opaque dirs), and the 0:0
        // character devices that are its whiteouts. As a lower layer they hide the parent's deleted files again.
        const copy = options.copy ?? (async (from: string, to: string) => void (await execFileAsync('cp', ['-a', '--', `${from}/.`, to])));
        await copy(options.diffDir, join(staging, 'layer'));
        const layer = await publishLayer(join(staging, 'layer'));
        const image = newRecord(canonical, [layer, ...options.parent.layers], [crypto().randomBytes(32).toString('hex'), options.parent.id], config);
        if (options.comment) image.comment = options.comment;
        const { orphans } = await commit(image, async () => false);
        await deleteLayers(orphans);
        return image;
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    },

    async remove(name, options = {}) {
      const canonical = imageKey(name);
      await mkdir(imagesDir, { recursive: true, mode: 0o700 });
      const removed = await withLock(lock, async () => {
        const image = await read(canonical);
        if (image) await unlink(recordPath(canonical));
        return image;
      });
      if (!removed) throw notFound(`image "${name}" not found; skiff images lists the images`);
      await deleteLayers(removed.layers, options.keepLayers);
      return removed;
    },
  };
}

function newRecord(name: string, layers: string[], digests: string[], config: ImageConfig): ImageRecord {
  const id = crypto().createHash('sha256').update(JSON.stringify({ layers: digests, config })).digest('hex');
  return { name, id, created: new Date().toISOString(), layers, config };
}

function checkConfig(config: ImageConfig): void {
  const strings = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === 'string');
  if (!strings(config.env) || !config.env.every((item) => item.includes('='))) throw invalidArgument('image config env must be KEY=value strings');
  if (!strings(config.cmd)) throw invalidArgument('image config cmd must be a list of strings');
  if (typeof config.workingDir !== 'string' || !config.workingDir.startsWith('/')) throw invalidArgument('image config workingDir must be an absolute path');
}

function parseRecord(text: string, file: string): ImageRecord {
  let value: Partial<ImageRecord>;
  try {
    value = JSON.parse(text) as Partial<ImageRecord>;
  } catch (error) {
    throw new SkiffError('INTERNAL', `image record ${file} is damaged: ${(error as Error).message}`, { cause: error });
  }
  const ok =
    typeof value.name === 'string' &&
    typeof value.id === 'string' &&
    IMAGE_ID.test(value.id) &&
    typeof value.created === 'string' &&
    Array.isArray(value.layers) &&
    value.layers.every((id) => typeof id === 'string' && LAYER_ID.test(id)) &&
    typeof value.config === 'object' &&
    value.config !== null;
  if (!ok) throw new SkiffError('INTERNAL', `image record ${file} is damaged`, { hint: `remove it, then import the image again` });
  return value as ImageRecord;
}

async function sha256File(path: string): Promise<string> {
  const hash = crypto().createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
