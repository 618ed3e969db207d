import { posix } from 'node:path';
import { invalidArgument } from '@skiff/plugin';

/** Environment variables added to (and overriding) the image's: name → value. */
export type Environment = Record<string, string>;

const ENV_NAME = /^[^=\0]+$/;

/** Names are non-empty without '=' or NUL; values are strings without NUL. Returns `env` or throws one INVALID_ARGUMENT. */
export function validateEnv(env: Environment): Environment {
  // The earlier form (['KEY=VALUE']) would otherwise become variables named 0, 1, ...: refuse it.
  if (typeof env !== 'object' || env === null || Array.isArray(env)) throw invalidArgument('env is a record of name → value, not a list of KEY=VALUE strings');
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name) || typeof value !== 'string' || value.includes('\0')) {
      throw invalidArgument(`invalid environment variable ${JSON.stringify(name)}: a name is non-empty without '=' or NUL, a value a string without NUL`);
    }
  }
  return env;
}

/**
 * The image's KEY=VALUE entries (OCI image config form), then `overrides`; a later name replaces an earlier one
 * in place. Returns KEY=VALUE entries, as the process gets them.
 */
export function mergeEnv(base: string[], overrides: Environment): string[] {
  const merged = new Map<string, string>();
  for (const entry of base) {
    const equals = entry.indexOf('=');
    merged.set(equals < 0 ? entry : entry.slice(0, equals), entry);
  }
  for (const [name, value] of Object.entries(overrides)) merged.set(name, `${name}=${value}`);
  return [...merged.values()];
}

const HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function validateHostname(hostname: string, what = 'hostname'): string {
  if (hostname.length > 64 || !HOSTNAME.test(hostname)) {
    throw invalidArgument(`invalid ${what} ${JSON.stringify(hostname)}: use letters, digits, '-' and '.', at most 64 characters`);
  }
  return hostname;
}

export function validateWorkdir(dir: string): string {
  if (!dir.startsWith('/') || dir.includes('\0')) {
    throw invalidArgument(`invalid working directory ${JSON.stringify(dir)}: it must be an absolute path inside the container`);
  }
  return dir;
}

/** A path inside the container (a mount target, a device): absolute, no '..', no NUL or newline; normalised. */
export function validateContainerPath(path: string, what: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.split('/').includes('..') || /[\0\n]/.test(path)) {
    throw invalidArgument(`invalid ${what} ${JSON.stringify(path)}: it must be an absolute path without '..'`);
  }
  const normal = posix.normalize(path);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

/** Log rotation: a size in bytes (> 0) and a count of old files kept (0 to 99, docker's max-file 1 to 100). */
export function validateLogRotation(maxBytes: number, keep: number): { logMaxBytes: number; logKeep: number } {
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw invalidArgument(`invalid logMaxBytes ${maxBytes}: a whole number of bytes above 0`);
  if (!Number.isInteger(keep) || keep < 0 || keep > 99) throw invalidArgument(`invalid logKeep ${keep}: a whole number from 0 to 99`);
  return { logMaxBytes: maxBytes, logKeep: keep };
}
