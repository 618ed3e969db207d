/**
 * Image names as the store keys them: docker's familiar form (see reference.ts) without `:latest`, so `busybox`,
 * `busybox:latest`, `library/busybox` and `docker.io/library/busybox:latest` are one image; `myimg:v1`,
 * `127.0.0.1:5000/app:v2` and `alpine@sha256:<hex>` keep their tag or digest. On disk a name becomes a file name
 * with '/', ':' and '@' percent-encoded, so it can never point into another directory.
 */
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
