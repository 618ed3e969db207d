/**
 * docker's views of an image: `image inspect` (its JSON shape, the fields skiff has) and `history` (the config's
 * history entries, top first). Sizes are the apparent size of the unpacked layer trees, hard links counted once.
 */
import { lstat, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageRecord, ImageStore } from './store.js';

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Config: {
    User: string;
    Env: string[];
    Cmd: string[] | null;
    Entrypoint: string[] | null;
    WorkingDir: string;
    Labels: Record<string, string> | null;
    StopSignal?: string;
  };
  Architecture: string;
  Os: string;
  Size: number;
  RootFS: { Type: 'layers'; Layers: string[] };
}

export interface HistoryEntry {
  /** `sha256:<id>` for the top entry, `<missing>` below it (as docker shows pulled images). */
  id: string;
  created: string;
  createdBy: string;
  size: number;
  comment: string;
}

/** `busybox` -> `busybox:latest`; a name with a tag or digest stays as it is. */
export const taggedName = (name: string) => (name.includes('@') || name.lastIndexOf(':') > name.lastIndexOf('/') ? name : `${name}:latest`);

/** The repository part of a name: `127.0.0.1:5000/app:v1` -> `127.0.0.1:5000/app`. */
export function repositoryOf(name: string): string {
  if (name.includes('@')) return name.slice(0, name.indexOf('@'));
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

export async function inspectImage(store: ImageStore, image: ImageRecord): Promise<ImageInspect> {
  const names = (await store.list()).filter((other) => other.id === image.id);
  const config = image.config;
  return {
    Id: `sha256:${image.id}`,
    RepoTags: names.filter((other) => !other.name.includes('@')).map((other) => taggedName(other.name)),
    RepoDigests: [...new Set(names.flatMap((other) => (other.name.includes('@') ? [other.name] : other.digest ? [`${repositoryOf(other.name)}@${other.digest}`] : [])))],
    Parent: '',
    Comment: image.comment ?? '',
    Created: image.created,
    Config: {
      User: config.user ?? '',
      Env: config.env,
      Cmd: config.cmd.length ? config.cmd : null,
      Entrypoint: config.entrypoint ?? null,
      WorkingDir: config.workingDir === '/' ? '' : config.workingDir,
      Labels: config.labels ?? null,
      ...(config.stopSignal ? { StopSignal: config.stopSignal } : {}),
    },
    Architecture: image.architecture ?? 'amd64',
    Os: image.os ?? 'linux',
    Size: await imageSize(store, image),
    RootFS: { Type: 'layers', Layers: image.diffIds ?? [] },
  };
}

/** The image's history, top first: the config's entries when it was pulled, else one entry per layer. */
export async function imageHistory(store: ImageStore, image: ImageRecord): Promise<HistoryEntry[]> {
  const dirs = store.layerDirs(image).reverse(); // bottom first, as the config's history
  const sizes = await Promise.all(dirs.map((dir) => diskUsage(dir)));
  const history = await readHistory(store, image);
  let entries: HistoryEntry[];
  if (history && history.filter((entry) => !entry.empty_layer).length === dirs.length) {
    let layer = 0;
    entries = history.map((entry) => ({
      id: '<missing>',
      created: entry.created ?? image.created,
      createdBy: entry.created_by ?? '',
      size: entry.empty_layer ? 0 : sizes[layer++]!,
      comment: entry.comment ?? '',
    }));
  } else {
    entries = sizes.map((size) => ({ id: '<missing>', created: image.created, createdBy: '', size, comment: '' }));
  }
  entries.reverse();
  if (entries[0]) entries[0].id = `sha256:${image.id}`;
  return entries;
}

interface ConfigHistory {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The history of a pulled image's config blob (kept by digest: the image id), when it is there and sound. */
async function readHistory(store: ImageStore, image: ImageRecord): Promise<ConfigHistory[] | undefined> {
  if (!image.diffIds) return undefined;
  try {
    const config = JSON.parse(await readFile(store.blobs.path(`sha256:${image.id}`), 'utf8')) as { history?: unknown };
    const history = config.history;
    return Array.isArray(history) && history.every((entry) => typeof entry === 'object' && entry !== null) ? (history as ConfigHistory[]) : undefined;
  } catch {
    return undefined;
  }
}

export async function imageSize(store: ImageStore, image: ImageRecord): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  for (const dir of store.layerDirs(image)) total += await diskUsage(dir, seen);
  return total;
}

/** Apparent size of a directory tree (hard links counted once). */
export async function diskUsage(dir: string, seen = new Set<string>()): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    const stat = await lstat(path);
    const key = `${stat.dev}:${stat.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    total += entry.isDirectory() ? await diskUsage(path, seen) : stat.size;
  }
  return total;
}
