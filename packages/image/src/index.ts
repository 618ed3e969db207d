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
export { canonicalImageName } from './names.js';
export { BUSYBOX_HINT } from './busybox.js';
export { parseReference, familiarName, familiarString, registryHost, isLoopbackRegistry, type ImageReference } from './reference.js';
export { pullImage, type PullEvent, type PullOptions, type PullResult } from './pull.js';
export { hostPlatform, parsePlatform, formatPlatform, type Platform } from './registry/manifest.js';
export { readRegistrySettings, type RegistrySettings } from './registry/settings.js';
export type { Credentials } from './registry/auth.js';
