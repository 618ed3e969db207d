// The image store: named images made of read-only layer directories.
export {
  createImageStore,
  DEFAULT_CONFIG,
  type ImageStore,
  type ImageRecord,
  type ImportOptions,
  type EnsureBusyboxOptions,
  type CommitOptions,
} from './store.js';
export { canonicalImageName, danglingName, isDangling, imageIdPrefix } from './names.js';
export { BUSYBOX_HINT } from './busybox.js';
export { parseReference, familiarName, familiarString, registryHost, isLoopbackRegistry, type ImageReference } from './reference.js';
export type { PullEvent, PullOptions, PullResult } from './pull.js';
/** See pull.ts. Loaded on first use: the registry client, zlib and tar stay off the `run` path. */
export const pullImage = async (...args: Parameters<typeof import('./pull.js').pullImage>) => (await import('./pull.js')).pullImage(...args);
export { hostPlatform, formatPlatform, type Platform } from './registry/manifest.js';
export { readRegistrySettings, type RegistrySettings } from './registry/settings.js';
export type { Credentials } from './registry/auth.js';
export { inspectImage, imageHistory, imageSize, diskUsage, taggedName, repositoryOf, type ImageInspect, type HistoryEntry } from './inspect.js';
export { readCredentials, writeCredentials, credentialsFile } from './registry/credentials.js';
/** See registry/login.ts. Loaded on first use, as pull. */
export const verifyLogin = async (...args: Parameters<typeof import('./registry/login.js').verifyLogin>) => (await import('./registry/login.js')).verifyLogin(...args);
/** See archive/save.ts and archive/load.ts. Loaded on first use, as pull. */
export const saveImages = async (...args: Parameters<typeof import('./archive/save.js').saveImages>) => (await import('./archive/save.js')).saveImages(...args);
export const loadImages = async (...args: Parameters<typeof import('./archive/load.js').loadImages>) => (await import('./archive/load.js')).loadImages(...args);
export type { LoadOptions, LoadResult } from './archive/load.js';
/** See push.ts. Loaded on first use, as pull. */
export const pushImage = async (...args: Parameters<typeof import('./push.js').pushImage>) => (await import('./push.js')).pushImage(...args);
export type { PushEvent, PushOptions, PushResult } from './push.js';
