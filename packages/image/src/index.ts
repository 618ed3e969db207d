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
