/**
 * Manifests by media type: an OCI index or Docker manifest list names one manifest per platform; an OCI or
 * Docker v2 schema 2 manifest names a config blob and the layers, bottom-most first. Docker schema 1 is refused.
 * The registry's Content-Type decides the kind; a body's own `mediaType` is used only when the header is generic.
 */
import { invalidArgument, notSupported } from '@skiff/plugin';
import { checkDigest } from './digest.js';
import { DOCKER_LIST, DOCKER_MANIFEST, DOCKER_SCHEMA1, OCI_INDEX, OCI_MANIFEST, layerCompression, type Compression } from './media-types.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

export interface LayerDescriptor extends Descriptor {
  compression: Compression;
}

export type Manifest =
  | { kind: 'index'; mediaType: string; manifests: Descriptor[] }
  | { kind: 'image'; mediaType: string; config: Descriptor; layers: LayerDescriptor[] };

/** A manifest or config bigger than this is refused before it is read to the end (containers/image uses 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const SCHEMA1_HINT = 'it uses Docker image manifest schema 1, which skiff does not support; push the image again with a current docker, buildah or skopeo (schema 2 or OCI)';

function descriptor(value: unknown, what: string): Descriptor {
  const object = value as Partial<Descriptor> | null;
  if (typeof object !== 'object' || object === null) throw invalidArgument(`${what} is not an object`);
  const digest = checkDigest(object.digest, what);
  if (typeof object.mediaType !== 'string') throw invalidArgument(`${what} has no mediaType`);
  if (typeof object.size !== 'number' || !Number.isSafeInteger(object.size) || object.size < 0) throw invalidArgument(`${what} has an invalid size ${JSON.stringify(object.size)}`);
  const result: Descriptor = { mediaType: object.mediaType, digest, size: object.size };
  const platform = object.platform as Partial<Platform> | undefined;
  if (platform !== undefined) {
    if (typeof platform !== 'object' || platform === null || typeof platform.os !== 'string' || typeof platform.architecture !== 'string') throw invalidArgument(`${what} has an invalid platform`);
    result.platform = { os: platform.os, architecture: platform.architecture, ...(typeof platform.variant === 'string' ? { variant: platform.variant } : {}) };
  }
  return result;
}

/** Parses a manifest body served with `contentType`. `name` names the image in error messages. */
export function parseManifest(body: Buffer, contentType: string | undefined, name: string): Manifest {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw invalidArgument(`the manifest of ${name} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalidArgument(`the manifest of ${name} is not a JSON object`);
  const header = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const generic = header === '' || header === 'application/json' || header === 'text/plain' || header === 'application/octet-stream';
  const mediaType = generic ? (typeof json.mediaType === 'string' ? json.mediaType : guess(json)) : header;

  if (DOCKER_SCHEMA1.includes(mediaType) || json.schemaVersion === 1) throw notSupported(`cannot pull ${name}: ${SCHEMA1_HINT}`);
  if (json.schemaVersion !== 2) throw invalidArgument(`the manifest of ${name} has schemaVersion ${JSON.stringify(json.schemaVersion)}, not 2`);
  if (typeof json.mediaType === 'string' && json.mediaType !== mediaType) {
    throw invalidArgument(`the manifest of ${name} says it is ${json.mediaType} but the registry served it as ${mediaType}`);
  }

  if (mediaType === OCI_INDEX || mediaType === DOCKER_LIST) {
    if (!Array.isArray(json.manifests)) throw invalidArgument(`the index of ${name} has no manifests list`);
    return { kind: 'index', mediaType, manifests: json.manifests.map((entry, i) => descriptor(entry, `entry ${i} of the index of ${name}`)) };
  }
  if (mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST) {
    const config = descriptor(json.config, `the config descriptor of ${name}`);
    if (!Array.isArray(json.layers)) throw invalidArgument(`the manifest of ${name} has no layers list`);
    const layers = json.layers.map((entry, i): LayerDescriptor => {
      const layer = descriptor(entry, `layer ${i} of ${name}`);
      const compression = layerCompression(layer.mediaType);
      if (compression === undefined) throw notSupported(`cannot pull ${name}: layer ${i} has the media type ${layer.mediaType}, which skiff cannot unpack`);
      return { ...layer, compression };
    });
    return { kind: 'image', mediaType, config, layers };
  }
  throw notSupported(`cannot pull ${name}: the registry served a manifest of type ${JSON.stringify(mediaType)}, which is not an image (OCI or Docker v2 schema 2)`);
}

/** An untyped body: an index has `manifests`, an image manifest has `config` (as containers/image guesses). */
function guess(json: Record<string, unknown>): string {
  if (json.schemaVersion === 1) return DOCKER_SCHEMA1[0]!;
  if (Array.isArray(json.manifests)) return OCI_INDEX;
  return OCI_MANIFEST;
}

/** The platform this process runs on, in OCI terms (`linux/amd64`). */
export function hostPlatform(): Platform {
  const arch: Record<string, Platform['architecture']> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };
  const architecture = arch[process.arch] ?? process.arch;
  return { os: 'linux', architecture, ...(architecture === 'arm64' ? { variant: 'v8' } : architecture === 'arm' ? { variant: 'v7' } : {}) };
}

/** `linux/arm64/v8` -> a Platform; INVALID_ARGUMENT for anything else. */
export const formatPlatform = (platform: Platform) => [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');

/**
 * The index entry for `want`. Attestation entries (`unknown/unknown`) never match. A variant must match when
 * both sides name one; arm64's `v8` is its default, so an entry without a variant matches `v8` and vice versa.
 */
export function choosePlatform(index: Extract<Manifest, { kind: 'index' }>, want: Platform, name: string): Descriptor {
  const variant = (platform: Platform) => platform.variant ?? (platform.architecture === 'arm64' ? 'v8' : undefined);
  const usable = index.manifests.filter((entry) => entry.platform && entry.platform.os !== 'unknown' && entry.platform.architecture !== 'unknown');
  const matches = usable.filter((entry) => {
    const platform = entry.platform!;
    if (platform.os !== want.os || platform.architecture !== want.architecture) return false;
    const [have, wanted] = [variant(platform), variant(want)];
    return have === undefined || wanted === undefined || have === wanted;
  });
  // An exact variant beats an entry without one.
  const exact = matches.find((entry) => variant(entry.platform!) === variant(want));
  const chosen = exact ?? matches[0];
  if (!chosen) {
    const available = usable.map((entry) => formatPlatform(entry.platform!)).join(', ') || 'none';
    throw notSupported(`no matching manifest for ${formatPlatform(want)} in the manifest list entries of ${name} (it has: ${available}); choose one with --platform`);
  }
  return chosen;
}
