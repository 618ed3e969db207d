/**
 * Image names as the store keys them: docker's familiar form (see reference.ts) without `:latest`, so `busybox`,
 * `busybox:latest`, `library/busybox` and `docker.io/library/busybox:latest` are one image; `myimg:v1`,
 * `127.0.0.1:5000/app:v2` and `alpine@sha256:<hex>` keep their tag or digest. On disk a name becomes a file name
 * with '/', ':' and '@' percent-encoded, so it can never point into another directory.
 */
import { SkiffError } from '@skiff/plugin';
import { familiarName, parseReference } from './reference.js';

/** Validates a name and returns its canonical form (no `:latest`). Throws INVALID_ARGUMENT saying what is wrong. */
export function canonicalImageName(name: string): string {
  const reference = parseReference(name);
  const familiar = familiarName(reference);
  if (reference.digest !== undefined) return `${familiar}@${reference.digest}`;
  return reference.tag === 'latest' ? familiar : `${familiar}:${reference.tag}`;
}

/** The record file name for a canonical image name. */
export const imageFileName = (canonical: string) => `${encodeURIComponent(canonical)}.json`;

/**
 * A dangling image (docker's `<none>:<none>`: loaded without a name, or left when its last tag moved to another
 * image) is stored under the key `<none>@sha256:<id>`. No valid image name contains '<', so it never collides.
 */
export const danglingName = (id: string) => `<none>@sha256:${id}`;
export const isDangling = (name: string) => name.startsWith('<none>@');
const DANGLING = /^<none>@sha256:[0-9a-f]{64}$/;

/** The store key for `name`: a dangling image's own key, or the canonical form of a name. */
export function imageKey(name: string): string {
  if (isDangling(name)) {
    if (!DANGLING.test(name)) throw new SkiffError('INVALID_ARGUMENT', `${JSON.stringify(name)} is not a valid image name`);
    return name;
  }
  return canonicalImageName(name);
}

/** `sha256:abc`, `abc`: the hex digits of an image id (full or a prefix), or undefined when it is none. */
export const imageIdPrefix = (reference: string) => /^(?:sha256:)?([0-9a-f]{1,64})$/.exec(reference)?.[1];
