/**
 * docker's views of an image: `image inspect` (its JSON shape, the fields skiff has) and `history` (the config's
 * history entries, top first). Sizes are the apparent size of the unpacked layer trees, hard links counted once.
 */
import { lstat, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageRecord, ImageStore } from './store.js';
import { isDangling } from './names.js';

/** docker's container config shape (`Config`, `ContainerConfig` of `image inspect`), every key present. */
export interface InspectConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, object>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Image: string;
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild: string[] | null;
  Labels: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: object;
  Shell?: string[];
  ArgsEscaped?: boolean;
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: InspectConfig;
  ContainerConfig: InspectConfig;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  GraphDriver: { Name: string; Data: Record<string, string> | null };
  RootFS: { Type: 'layers'; Layers: string[] };
  Metadata: { LastTagTime: string };
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
  // A dangling image's record (`<none>@sha256:<id>`) is no name: it adds neither a tag nor a digest.
  const names = (await store.list()).filter((other) => other.id === image.id && !isDangling(other.name));
  const config = image.config;
  const blob = await readConfigBlob(store, image);
  const raw = (blob?.config ?? {}) as Partial<InspectConfig>;
  // The kept config blob has the fields skiff does not run with (ExposedPorts, Healthcheck, Shell, OnBuild...);
  // the record has what it runs with.
  const Config: InspectConfig = {
    ...containerConfig(raw),
    User: config.user ?? '',
    Env: config.env,
    Cmd: config.cmd.length ? config.cmd : null,
    Entrypoint: config.entrypoint ?? null,
    WorkingDir: config.workingDir === '/' ? '' : config.workingDir,
    Labels: config.labels ?? null,
    Volumes: config.volumes?.length ? Object.fromEntries(config.volumes.map((path) => [path, {}])) : (raw.Volumes ?? null),
    ...(config.stopSignal ? { StopSignal: config.stopSignal } : {}),
    ...(config.exposedPorts?.length ? { ExposedPorts: Object.fromEntries(config.exposedPorts.map((port) => [port, {}])) } : {}),
    ...(config.onBuild?.length ? { OnBuild: config.onBuild } : {}),
  };
  return {
    Id: `sha256:${image.id}`,
    RepoTags: names.filter((other) => !other.name.includes('@')).map((other) => taggedName(other.name)),
    RepoDigests: [...new Set(names.flatMap((other) => (other.name.includes('@') ? [other.name] : other.digest ? [`${repositoryOf(other.name)}@${other.digest}`] : [])))],
    Parent: '',
    Comment: image.comment ?? (typeof blob?.comment === 'string' ? blob.comment : ''),
    Created: image.created,
    DockerVersion: typeof blob?.docker_version === 'string' ? blob.docker_version : '',
    Author: typeof blob?.author === 'string' ? blob.author : '',
    Config,
    ContainerConfig: containerConfig((blob?.container_config ?? {}) as Partial<InspectConfig>),
    Architecture: image.architecture ?? 'amd64',
    ...(typeof blob?.variant === 'string' ? { Variant: blob.variant } : {}),
    Os: image.os ?? 'linux',
    Size: await imageSize(store, image),
    GraphDriver: { Name: 'overlay', Data: { LowerDir: store.layerDirs(image).join(':') } },
    RootFS: { Type: 'layers', Layers: image.diffIds ?? [] },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

/** Every key docker shows, from a config's own (absent ones empty, as docker's zero values). */
function containerConfig(raw: Partial<InspectConfig>): InspectConfig {
  return {
    Hostname: raw.Hostname ?? '',
    Domainname: raw.Domainname ?? '',
    User: raw.User ?? '',
    AttachStdin: raw.AttachStdin ?? false,
    AttachStdout: raw.AttachStdout ?? false,
    AttachStderr: raw.AttachStderr ?? false,
    ...(raw.ExposedPorts ? { ExposedPorts: raw.ExposedPorts } : {}),
    Tty: raw.Tty ?? false,
    OpenStdin: raw.OpenStdin ?? false,
    StdinOnce: raw.StdinOnce ?? false,
    Env: raw.Env ?? null,
    Cmd: raw.Cmd ?? null,
    Image: raw.Image ?? '',
    Volumes: raw.Volumes ?? null,
    WorkingDir: raw.WorkingDir ?? '',
    Entrypoint: raw.Entrypoint ?? null,
    OnBuild: raw.OnBuild ?? null,
    Labels: raw.Labels ?? null,
    ...(raw.StopSignal ? { StopSignal: raw.StopSignal } : {}),
    ...(raw.Healthcheck ? { Healthcheck: raw.Healthcheck } : {}),
    ...(raw.Shell ? { Shell: raw.Shell } : {}),
    ...(raw.ArgsEscaped !== undefined ? { ArgsEscaped: raw.ArgsEscaped } : {}),
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
  if (entries[0] && image.comment) entries[0].comment = image.comment;
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
  const history = (await readConfigBlob(store, image))?.history;
  return Array.isArray(history) && history.every((entry) => typeof entry === 'object' && entry !== null) ? (history as ConfigHistory[]) : undefined;
}

/** A pulled or loaded image's config blob as JSON, when it is kept and sound. */
async function readConfigBlob(store: ImageStore, image: ImageRecord): Promise<Record<string, unknown> | undefined> {
  if (!image.diffIds) return undefined;
  try {
    const json = JSON.parse(await readFile(store.blobs.path(`sha256:${image.id}`), 'utf8')) as unknown;
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
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
