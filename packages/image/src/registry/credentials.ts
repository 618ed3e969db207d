/**
 * Registry credentials, in docker's config.json shape:
 *
 *   <root>/auth.json   (0600, written atomically; skiff login/logout)
 *     { "auths": { "127.0.0.1:5000": { "auth": "<base64 of user:password>" } } }
 *
 * Looked up by the registry as named in references (`127.0.0.1:5000`, `ghcr.io`, `docker.io`). When skiff has
 * none for a registry, docker's `~/.docker/config.json` `auths` are read the same way (docker keys Docker Hub as
 * `https://index.docker.io/v1/` and others sometimes with a scheme), after docker's credential helpers: the
 * registry's `credHelpers` entry, else `credsStore`, is run as `docker-credential-NAME get` (found on PATH; NAME
 * must be a plain word) with the server address on stdin, answering `{"ServerURL","Username","Secret"}` or
 * failing with "credentials not found" (then `auths` is read).
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument, withLock, writeFileAtomic } from '@skiff/plugin';
import type { Credentials } from './auth.js';

const MAX_CONFIG_BYTES = 1024 * 1024;

interface AuthFile {
  auths: Record<string, { auth?: string }>;
  credsStore?: unknown;
  credHelpers?: unknown;
  [key: string]: unknown;
}

/** A helper's answer is small; a helper that hangs is given up on. */
const HELPER_TIMEOUT_MS = 30_000;
const MAX_HELPER_OUTPUT = 64 * 1024;

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
    if (file !== credentialsFile(root)) {
      const fromHelper = await helperCredentials(config, registry, file);
      if (fromHelper) return fromHelper;
    }
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

/** docker's order: the registry's credHelpers entry, else credsStore. */
async function helperCredentials(config: AuthFile, registry: string, file: string): Promise<Credentials | undefined> {
  const helpers = config.credHelpers;
  if (helpers !== undefined && (typeof helpers !== 'object' || helpers === null || Array.isArray(helpers))) throw invalidArgument(`${file}: "credHelpers" must be an object of registries`);
  const keys = keysOf(registry);
  const key = keys.find((candidate) => typeof (helpers as Record<string, unknown> | undefined)?.[candidate] === 'string');
  const name = key ? (helpers as Record<string, string>)[key]! : config.credsStore;
  if (name === undefined || name === '') return undefined;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw invalidArgument(`${file}: the credential helper ${JSON.stringify(name)} is not a plain name`);
  // docker asks a store for Docker Hub by its old index address.
  return runHelper(`docker-credential-${name}`, key ?? (registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry));
}

/** `docker-credential-NAME get`, the server address on stdin; undefined when it has none for it. */
function runHelper(command: string, server: string): Promise<Credentials | undefined> {
  return new Promise((resolve, reject) => {
    const { spawn } = process.getBuiltinModule('node:child_process');
    const child = spawn(command, ['get'], { stdio: ['pipe', 'pipe', 'pipe'], timeout: HELPER_TIMEOUT_MS });
    let output = '';
    let errors = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.length > MAX_HELPER_OUTPUT) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors = (errors + chunk).slice(-4096)));
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(invalidArgument(`cannot run the credential helper ${command}: ${error.code === 'ENOENT' ? 'not found on PATH' : error.message}`, { cause: error })),
    );
    child.once('close', (code, signal) => {
      if (code !== 0) {
        if (/credentials not found/i.test(output + errors)) return resolve(undefined);
        return reject(invalidArgument(`the credential helper ${command} failed (${signal ?? `exit ${code}`}): ${(output + errors).trim().split('\n').at(-1) ?? ''}`));
      }
      let answer: { Username?: unknown; Secret?: unknown };
      try {
        answer = JSON.parse(output) as typeof answer;
      } catch {
        return reject(invalidArgument(`the credential helper ${command} answered with something that is not JSON`));
      }
      if (typeof answer.Username !== 'string' || typeof answer.Secret !== 'string' || answer.Secret === '') {
        return reject(invalidArgument(`the credential helper ${command} answered without a Username and Secret`));
      }
      resolve({ username: answer.Username, password: answer.Secret });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(server);
  });
}
