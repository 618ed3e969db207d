/**
 * The image config blob (OCI image-spec config.md; docker's is the same JSON): what `run` uses (Entrypoint, Cmd,
 * Env, WorkingDir, User, StopSignal) and `rootfs.diff_ids`, the uncompressed digest of every layer, bottom first.
 */
import { invalidArgument, notSupported, type ImageConfig } from '@skiff/plugin';
import { checkDigest } from './registry/digest.js';

export interface ParsedImageConfig {
  os: string;
  architecture: string;
  variant?: string;
  created?: string;
  entrypoint?: string[];
  cmd?: string[];
  env: string[];
  workingDir: string;
  user?: string;
  stopSignal?: string;
  labels?: Record<string, string>;
  /** The config's `Volumes` keys: paths that get an anonymous volume. */
  volumes?: string[];
  exposedPorts?: string[];
  healthcheck?: ImageConfig['healthcheck'];
  diffIds: string[];
}

const strings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Parses and checks a config; `layers` is the manifest's layer count, which must equal the diff ids'. */
export function parseImageConfig(bytes: Buffer, layers: number, name: string): ParsedImageConfig {
  let json: {
    os?: unknown;
    architecture?: unknown;
    variant?: unknown;
    created?: unknown;
    config?: Record<string, unknown> | null;
    rootfs?: { type?: unknown; diff_ids?: unknown };
  };
  try {
    json = JSON.parse(bytes.toString('utf8')) as typeof json;
  } catch (error) {
    throw invalidArgument(`the config of ${name} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof json !== 'object' || json === null) throw invalidArgument(`the config of ${name} is not a JSON object`);
  if (json.os !== 'linux') throw notSupported(`${name} is an image for ${JSON.stringify(json.os)}; skiff runs linux images`);
  if (typeof json.architecture !== 'string') throw invalidArgument(`the config of ${name} names no architecture`);
  const rootfs = json.rootfs;
  if (!rootfs || rootfs.type !== 'layers' || !strings(rootfs.diff_ids)) throw invalidArgument(`the config of ${name} has no rootfs.diff_ids`);
  const diffIds = rootfs.diff_ids.map((id, i) => checkDigest(id, `diff id ${i} of ${name}`));
  if (diffIds.length !== layers) throw invalidArgument(`the config of ${name} lists ${diffIds.length} layer digests but its manifest has ${layers} layers`);

  const config = json.config ?? {};
  const list = (key: string): string[] | undefined => {
    const value = config[key];
    if (value === undefined || value === null) return undefined;
    if (!strings(value)) throw invalidArgument(`the config of ${name} has a ${key} that is not a list of strings`);
    return value;
  };
  const text = (key: string): string | undefined => {
    const value = config[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw invalidArgument(`the config of ${name} has a ${key} that is not a string`);
    return value;
  };
  const env = list('Env') ?? [];
  if (env.some((item) => !item.includes('=') || item.includes('\0'))) throw invalidArgument(`the config of ${name} has an Env entry that is not KEY=value`);
  // docker: an empty WorkingDir is '/', a relative one is taken from '/'.
  const workingDir = text('WorkingDir') ?? '/';
  const labels = config.Labels;
  const volumes = config.Volumes;
  if (volumes !== undefined && volumes !== null && (typeof volumes !== 'object' || Array.isArray(volumes))) throw invalidArgument(`the config of ${name} has Volumes that are not an object of paths`);
  const volumePaths = volumes ? Object.keys(volumes) : [];
  if (volumePaths.some((path) => !path.startsWith('/') || path.includes('\0'))) throw invalidArgument(`the config of ${name} has a volume that is not an absolute path`);
  const healthcheck = parseHealthcheck(config.Healthcheck);
  return {
    os: json.os,
    architecture: json.architecture,
    ...(typeof json.variant === 'string' ? { variant: json.variant } : {}),
    ...(typeof json.created === 'string' ? { created: json.created } : {}),
    entrypoint: list('Entrypoint'),
    cmd: list('Cmd'),
    env,
    workingDir: workingDir.startsWith('/') ? workingDir : `/${workingDir}`,
    user: text('User'),
    stopSignal: text('StopSignal'),
    ...(labels && typeof labels === 'object' && Object.values(labels).every((v) => typeof v === 'string') ? { labels: labels as Record<string, string> } : {}),
    ...(volumePaths.length ? { volumes: volumePaths } : {}),
    ...(config.ExposedPorts && typeof config.ExposedPorts === 'object' ? { exposedPorts: Object.keys(config.ExposedPorts) } : {}),
    ...(healthcheck ? { healthcheck } : {}),
    diffIds,
  };
}

/** Chain ids (OCI image-spec): the first layer's is its diff id, each next one sha256("<parent chain> <diff id>"). */
export function chainIds(diffIds: string[], hash: (text: string) => string): string[] {
  const chains: string[] = [];
  for (const diffId of diffIds) chains.push(chains.length === 0 ? diffId : hash(`${chains.at(-1)} ${diffId}`));
  return chains;
}

/** What the store keeps of a parsed config to run the image. */
export function imageRecordConfig(config: ParsedImageConfig): ImageConfig {
  return {
    env: config.env,
    cmd: config.cmd ?? [],
    workingDir: config.workingDir,
    ...(config.entrypoint ? { entrypoint: config.entrypoint } : {}),
    ...(config.user ? { user: config.user } : {}),
    ...(config.stopSignal ? { stopSignal: config.stopSignal } : {}),
    ...(config.labels ? { labels: config.labels } : {}),
    ...(config.volumes ? { volumes: config.volumes } : {}),
    ...(config.exposedPorts ? { exposedPorts: config.exposedPorts } : {}),
    ...(config.healthcheck ? { healthcheck: config.healthcheck } : {}),
  };
}

/** The config's Healthcheck (docker's; nanoseconds), when it is well formed; anything odd is left out. */
function parseHealthcheck(value: unknown): ImageConfig['healthcheck'] | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const check = value as Record<string, unknown>;
  if (!strings(check.Test) || check.Test.length === 0) return undefined;
  const ms = (field: unknown) => (typeof field === 'number' && Number.isSafeInteger(field) && field > 0 ? Math.max(1, Math.round(field / 1e6)) : undefined);
  const retries = typeof check.Retries === 'number' && Number.isSafeInteger(check.Retries) && check.Retries > 0 ? check.Retries : undefined;
  const result: NonNullable<ImageConfig['healthcheck']> = { test: check.Test };
  const interval = ms(check.Interval);
  const timeout = ms(check.Timeout);
  const startPeriod = ms(check.StartPeriod);
  if (interval) result.intervalMs = interval;
  if (timeout) result.timeoutMs = timeout;
  if (startPeriod) result.startPeriodMs = startPeriod;
  if (retries) result.retries = retries;
  return result;
}
