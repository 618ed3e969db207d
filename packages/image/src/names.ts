/**
 * Image names: `busybox`, `myimg`, `myimg:v1`, `team/tool:2.0`. A name without a tag means `:latest`, and the
 * store keeps it without the tag (`busybox:latest` and `busybox` are one image). On disk a name becomes a file
 * name with '/' and ':' percent-encoded, so it can never point into another directory.
 */
import { invalidArgument } from '@skiff/plugin';

const REPOSITORY = /^[a-z0-9][a-z0-9._/-]*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Validates a name and returns its canonical form (no `:latest`). Throws INVALID_ARGUMENT saying what is wrong. */
export function canonicalImageName(name: string): string {
  const fail = (why: string) =>
    invalidArgument(`invalid image name ${JSON.stringify(name)}: ${why}; use lowercase letters, digits, '.', '_', '-' and '/', and an optional :tag`);
  if (typeof name !== 'string' || name.length === 0) throw fail('it is empty');
  if (name.length > 255) throw fail('it is longer than 255 characters');
  const colon = name.lastIndexOf(':');
  const repository = colon < 0 ? name : name.slice(0, colon);
  const tag = colon < 0 ? undefined : name.slice(colon + 1);
  if (!REPOSITORY.test(repository)) throw fail('the name has a character that is not allowed');
  const parts = repository.split('/');
  if (parts.some((part) => part === '' || part === '.' || part === '..')) throw fail("it has an empty, '.' or '..' path component");
  if (tag !== undefined && !TAG.test(tag)) throw fail(`the tag ${JSON.stringify(tag)} is not allowed`);
  return tag === undefined || tag === 'latest' ? repository : `${repository}:${tag}`;
}

/** The record file name for a canonical image name. */
export const imageFileName = (canonical: string) => `${encodeURIComponent(canonical)}.json`;
