/** Helpers shared by the storage drivers for building mount plans safely. */
import { isAbsolute, join } from 'node:path';
import { invalidArgument } from '@skiff/plugin';

const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Container ids become directory names under the driver root: refuse anything that could leave it. */
export function checkId(id: string): void {
  if (!CONTAINER_ID.test(id)) {
    throw invalidArgument(`invalid container id ${JSON.stringify(id)}: use letters, digits, '_', '.' or '-' (at most 128)`);
  }
}

/** A container's directory under a driver's root, after checking the id cannot climb out of it. */
export function containerDirOf(root: string, id: string): string {
  checkId(id);
  return join(root, id);
}

/**
 * Layer paths go into a ':'-separated list inside a ','-separated data string, and the kernel's escaping rules
 * for both differ between versions: refuse such paths instead of guessing.
 */
export function checkOptionPath(path: string, what: string): void {
  if (!isAbsolute(path)) throw invalidArgument(`${what} ${JSON.stringify(path)} is not an absolute path`);
  if (/[,:\\\n\0]/.test(path)) {
    throw invalidArgument(`${what} ${JSON.stringify(path)} contains ',', ':', '\\' or a control character, which mount options cannot carry`);
  }
}
