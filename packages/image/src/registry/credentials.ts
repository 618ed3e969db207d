/**
 * Registry credentials, in docker's config.json shape:
 *
 *   <root>/auth.json   (0600, written atomically; skiff login/logout)
 *     { "auths": { "127.0.0.1:5000": { "auth": "<base64 of user:password>" } } }
 *
 * Looked up by the registry as named in references (`127.0.0.1:5000`, `ghcr.io`, `docker.io`). When skiff has
 * none for a registry, docker's `~/.docker/config.json` `auths` are read the same way (docker keys Docker Hub as
 * `https://index.docker.io/v1/` and others sometimes with a scheme). Credential helpers (`credsStore`,
 * `credHelpers`) are not run.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument, withLock, writeFileAtomic } from '@skiff/plugin';
import type { Credentials } from './auth.js';

const MAX_CONFIG_BYTES = 1024 * 1024;

interface AuthFile {
  auths: Record<string, { auth?: string }>;
  [key: string]: unknown;
}

export const credentialsFile = (root: string) => join(root, 'auth.json');

/** The keys a registry may be stored under, skiff's own form first. */
function keysOf(registry: string): string[] {
  if (registry === 'docker.io') return ['docker.io', 'https://index.docker.io/v1/', 'index.docker.io', 'registry-1.docker.io'];
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`];
}

/** Reads an auths file; undefined when it is absent. A damaged file is one clear line naming it. */
async function readAuthFile(file: string): Promise<AuthFile | undefined> {
  const info = await stat(file).catch(() => undefined);
  if (!info) return undefined;
  if (!info.isFile() || info.size > MAX_CONFIG_BYTES) throw invalidArgument(`${file} is not a credentials file of at most 1 MiB`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw invalidArgument(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalidArgument(`${file} must hold a JSON object`);
  const auths = (json as { auths?: unknown }).auths ?? {};
  if (typeof auths !== 'object' || auths === null || Array.isArray(auths)) throw invalidArgument(`${file}: "auths" must be an object of registries`);
  return { ...(json as object), auths: auths as AuthFile['auths'] };
}

function decode(entry: { auth?: unknown } | undefined, file: string, key: string): Credentials | undefined {
  if (!entry || typeof entry.auth !== 'string' || entry.auth === '') return undefined;
  const text = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) throw invalidArgument(`${file}: the auth of ${key} is not base64 of user:password`, { hint: `log in again (skiff login ${key})` });
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The credentials for `registry`: skiff's own, else docker's (`home`/.docker/config.json); undefined when none. */
export async function readCredentials(root: string, registry: string, home = process.env.HOME): Promise<Credentials | undefined> {
  const files = [credentialsFile(root), ...(home ? [join(home, '.docker', 'config.json')] : [])];
  for (const file of files) {
    const config = await readAuthFile(file);
    if (!config) continue;
    for (const key of keysOf(registry)) {
      const found = decode(config.auths[key], file, key);
      if (found) return found;
    }
  }
  return undefined;
}

/** Stores (or with `credentials` undefined removes) skiff's credentials for `registry`. Returns whether any were there. */
export async function writeCredentials(root: string, registry: string, credentials: Credentials | undefined): Promise<boolean> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  return withLock(join(root, 'locks', 'auth.lock'), async () => {
    const file = credentialsFile(root);
    const config = (await readAuthFile(file)) ?? { auths: {} };
    const had = keysOf(registry).some((key) => key in config.auths);
    for (const key of keysOf(registry)) delete config.auths[key];
    if (credentials) config.auths[registry] = { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') };
    await writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`, 0o600);
    return had;
  });
}
