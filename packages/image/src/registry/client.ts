/**
 * One client object per registry, as containers/image's docker_client: it picks the scheme, answers auth
 * challenges (bearer tokens cached per scope, Basic, anonymous), follows redirects without leaking credentials to
 * another origin, and checks every manifest and blob against its digest while it streams.
 *
 * Scheme: https, except for a loopback registry (127.0.0.0/8, ::1, localhost) or one listed in
 * `<root>/config.json`'s `insecure-registries`: those are tried with https first and then plain http, as docker
 * does. Uses Node's own fetch (undici).
 */
import type { Readable } from 'node:stream';
import { SkiffError, invalidArgument, notFound } from '@skiff/plugin';
import { isLoopbackRegistry } from '../reference.js';
import { TokenCache, basicHeader, parseChallenge, parseTokenResponse, realmUrl, type Challenge, type Credentials } from './auth.js';
import { checkDigest, digestMismatch, sha256 } from './digest.js';
import { verifyingStream } from './verify-stream.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { MAX_MANIFEST_BYTES, type Descriptor } from './manifest.js';

export interface RegistryClientOptions {
  /** The registry as named in references (`127.0.0.1:5000`, `ghcr.io`); docker.io must be given as its host. */
  host: string;
  /** Plain http is allowed (loopback, or configured insecure). Defaults to whether `host` is loopback. */
  allowHttp?: boolean;
  /** Basic credentials for the registry or its token service; anonymous without. */
  credentials?: Credentials;
  signal?: AbortSignal;
  /** Ask for push access too (tokens for `repository:NAME:pull,push`). */
  push?: boolean;
}

export interface FetchedManifest {
  body: Buffer;
  /** The registry's Content-Type, without parameters. */
  mediaType: string;
  /** sha256 of the body: the manifest's digest, checked against the reference when it was a digest. */
  digest: string;
}

export interface RegistryClient {
  readonly host: string;
  /** GETs a manifest by tag or digest (bounded, verified). NOT_FOUND for an unknown tag or repository. */
  manifest(repository: string, reference: string): Promise<FetchedManifest>;
  /** HEADs a manifest: the digest a tag points to now (undefined when the registry does not say). */
  resolve(repository: string, tag: string): Promise<string | undefined>;
  /** GETs a small blob (an image config) fully, bounded and verified. */
  blobBytes(repository: string, descriptor: Descriptor, what: string): Promise<Buffer>;
  /** A stream of a blob that errors instead of ending when the bytes do not match the descriptor. */
  blob(repository: string, descriptor: Descriptor, what: string): Promise<Readable>;
  /**
   * The blob's bytes from `offset` on (a Range request), unverified: the caller hashes them after the bytes it
   * has. `offset` in the answer is where the stream starts: 0 when the registry ignored the range.
   */
  blobFrom(repository: string, descriptor: Descriptor, what: string, offset: number): Promise<{ stream: Readable; offset: number }>;
  /**
   * GETs /v2/ with the credentials (answering a Basic or Bearer challenge, a token asked for without a scope, as
   * docker login does). PERMISSION_DENIED when the registry or its token service refuses them.
   */
  checkLogin(): Promise<void>;
  /** Whether the repository has the blob (HEAD). */
  hasBlob(repository: string, digest: string): Promise<boolean>;
  /**
   * Uploads a blob in one PUT (POST for an upload session, then PUT ?digest=). `open` gives its bytes; the
   * registry checks them against `digest`.
   */
  uploadBlob(repository: string, digest: string, size: number, open: () => Readable): Promise<void>;
  /** PUTs a manifest under a tag (or its digest); returns the digest the registry answers with. */
  putManifest(repository: string, reference: string, body: Buffer, mediaType: string): Promise<string>;
}

const MAX_REDIRECTS = 5;

export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const host = options.host;
  const allowHttp = options.allowHttp ?? isLoopbackRegistry(host);
  const tokens = new TokenCache();
  let base: string | undefined;
  // The last challenge seen: sent pre-emptively afterwards, so only the first request per scope pays a 401.
  let challenge: Challenge | undefined;

  const unavailable = (what: string, error: unknown) =>
    new SkiffError('UNAVAILABLE', `cannot reach the registry ${host} (${what}): ${describe(error)}`, { cause: error });

  async function origin(): Promise<string> {
    if (base) return base;
    try {
      await drain(await fetch(`https://${host}/v2/`, { method: 'GET', redirect: 'manual', signal: options.signal }));
      base = `https://${host}`;
    } catch (error) {
      if (!allowHttp || options.signal?.aborted) throw unavailable('https', error);
      base = `http://${host}`;
    }
    return base;
  }

  /** fetch with redirects followed by hand: Authorization goes only to the registry's own origin, never downgraded. */
  async function follow(url: URL, init: RequestInit, authorization: string | undefined): Promise<Response> {
    const first = url.origin;
    for (let hop = 0; ; hop++) {
      const headers = new Headers(init.headers);
      if (authorization && url.origin === first) headers.set('authorization', authorization);
      let response: Response;
      try {
        response = await fetch(url, { ...init, headers, redirect: 'manual', signal: options.signal });
      } catch (error) {
        throw unavailable(`${init.method ?? 'GET'} ${url.pathname}`, error);
      }
      if (response.status < 300 || response.status >= 400 || response.status === 304) return response;
      const location = response.headers.get('location');
      await drain(response);
      if (!location || hop >= MAX_REDIRECTS) throw new SkiffError('UNAVAILABLE', `the registry ${host} redirected ${url.pathname} too often or nowhere`);
      const next = new URL(location, url);
      if (next.protocol !== 'https:' && !(next.protocol === 'http:' && (url.protocol === 'http:' || isLoopbackRegistry(next.host)))) {
        throw invalidArgument(`the registry ${host} redirected to ${next.protocol}//${next.host}, which is not https; refusing`);
      }
      url = next;
    }
  }

  async function token(found: Challenge, scope: string, forceNew: boolean): Promise<string> {
    const realm = realmUrl(found, (h) => isLoopbackRegistry(h));
    const service = found.params.service;
    const wanted = found.params.scope ?? scope;
    const key = TokenCache.key(realm.href, service, wanted);
    if (forceNew) tokens.drop(key);
    const cached = tokens.get(key);
    if (cached) return cached;
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    if (wanted) url.searchParams.set('scope', wanted);
    const response = await follow(url, { method: 'GET' }, options.credentials ? basicHeader(options.credentials) : undefined);
    const body = (await readBounded(response, 1024 * 1024, `the token from ${realm.origin}`)).toString('utf8');
    if (response.status === 401 || response.status === 403) {
      throw new SkiffError('PERMISSION_DENIED', `the registry ${host} refused ${options.credentials ? 'the stored credentials' : 'anonymous access'} for ${wanted}`, {
        hint: options.credentials ? 'check the user name and password' : 'log in first (docker login, or credentials in ~/.docker/config.json)',
      });
    }
    if (!response.ok) throw new SkiffError('UNAVAILABLE', `the token service ${realm.origin} answered ${response.status}`);
    const parsed = parseTokenResponse(body, realm.origin);
    tokens.set(key, parsed.token, parsed.expiresIn);
    return parsed.token;
  }

  async function authorization(scope: string, forceNew: boolean): Promise<string | undefined> {
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') return options.credentials ? basicHeader(options.credentials) : undefined;
    return `Bearer ${await token(challenge, scope, forceNew)}`;
  }

  /** Sends a request to the registry API, answering one auth challenge. */
  async function send(path: string, init: RequestInit, scope: string): Promise<Response> {
    const url = new URL(path, await origin());
    let response = await follow(url, init, await authorization(scope, false));
    if (response.status !== 401) return response;
    const header = response.headers.get('www-authenticate');
    await drain(response);
    const found = header ? parseChallenge(header) : undefined;
    if (!found) throw new SkiffError('PERMISSION_DENIED', `the registry ${host} asks for authentication skiff does not speak (${header ?? 'no challenge'})`);
    if (found.scheme === 'basic' && !options.credentials) {
      throw new SkiffError('PERMISSION_DENIED', `the registry ${host} needs a user name and password`, { hint: 'log in first (docker login, or credentials in ~/.docker/config.json)' });
    }
    challenge = found;
    response = await follow(url, init, await authorization(scope, true));
    if (response.status === 401) {
      await drain(response);
      throw new SkiffError('PERMISSION_DENIED', `the registry ${host} refused access to ${scope} after authenticating`);
    }
    return response;
  }

  async function failure(response: Response, what: string): Promise<SkiffError> {
    const text = (await readBounded(response, 64 * 1024, what).catch(() => Buffer.alloc(0))).toString('utf8');
    let detail = '';
    try {
      const errors = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors ?? [];
      detail = errors.map((error) => [error.code, error.message].filter(Boolean).join(': ')).join('; ');
    } catch {
      // not a registry error body
    }
    const line = `${what}: the registry ${host} answered ${response.status}${detail ? ` (${detail})` : ''}`;
    if (response.status === 404) return notFound(line);
    if (response.status === 403) return new SkiffError('PERMISSION_DENIED', line);
    return new SkiffError('UNAVAILABLE', line);
  }

  const scopeOf = (repository: string) => `repository:${repository}:${options.push ? 'pull,push' : 'pull'}`;

  async function blobResponse(repository: string, descriptor: Descriptor, what: string): Promise<Response> {
    checkDigest(descriptor.digest, what);
    const response = await send(`/v2/${repository}/blobs/${descriptor.digest}`, { method: 'GET' }, scopeOf(repository));
    if (!response.ok) throw await failure(response, `cannot fetch ${what}`);
    return response;
  }

  return {
    host,

    async manifest(repository, reference) {
      const name = `${host}/${repository}:${reference}`;
      const response = await send(`/v2/${repository}/manifests/${reference}`, { method: 'GET', headers: { accept: MANIFEST_ACCEPT } }, scopeOf(repository));
      if (!response.ok) {
        const error = await failure(response, `cannot fetch the manifest of ${name}`);
        if (error.code === 'NOT_FOUND') throw notFound(`manifest for ${reference.startsWith('sha256:') ? `${host}/${repository}@${reference}` : name} not found: manifest unknown`, { cause: error });
        throw error;
      }
      const body = await readBounded(response, MAX_MANIFEST_BYTES, `the manifest of ${name}`);
      const digest = sha256(body);
      if (reference.startsWith('sha256:') && digest !== reference) throw digestMismatch(`the manifest of ${name}`, reference, digest);
      const claimed = response.headers.get('docker-content-digest');
      if (claimed && claimed.startsWith('sha256:') && claimed !== digest) throw digestMismatch(`the manifest of ${name} (Docker-Content-Digest)`, claimed, digest);
      return { body, digest, mediaType: (response.headers.get('content-type') ?? '').split(';')[0]!.trim() };
    },

    async resolve(repository, tag) {
      const response = await send(`/v2/${repository}/manifests/${tag}`, { method: 'HEAD', headers: { accept: MANIFEST_ACCEPT } }, scopeOf(repository));
      await drain(response);
      if (response.status === 404) throw notFound(`manifest for ${host}/${repository}:${tag} not found: manifest unknown`);
      if (!response.ok) throw new SkiffError('UNAVAILABLE', `cannot resolve ${host}/${repository}:${tag}: the registry answered ${response.status}`);
      const digest = response.headers.get('docker-content-digest') ?? undefined;
      return digest && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : undefined;
    },

    async blobBytes(repository, descriptor, what) {
      if (descriptor.size > MAX_MANIFEST_BYTES) throw invalidArgument(`${what} is ${descriptor.size} bytes; skiff reads at most ${MAX_MANIFEST_BYTES}`);
      const body = await readBounded(await blobResponse(repository, descriptor, what), descriptor.size, what);
      const digest = sha256(body);
      if (digest !== descriptor.digest) throw digestMismatch(what, descriptor.digest, digest);
      if (body.length !== descriptor.size) throw invalidArgument(`${what} is ${body.length} bytes, not the ${descriptor.size} its descriptor says; nothing was stored`);
      return body;
    },

    async checkLogin() {
      const response = await send('/v2/', { method: 'GET' }, '');
      if (!response.ok) throw await failure(response, `cannot log in to ${host}`);
      await drain(response);
    },

    async hasBlob(repository, digest) {
      checkDigest(digest, 'blob');
      const response = await send(`/v2/${repository}/blobs/${digest}`, { method: 'HEAD' }, scopeOf(repository));
      await drain(response);
      if (response.status === 404) return false;
      if (!response.ok) throw await failure(response, `cannot check blob ${digest} in ${host}/${repository}`);
      return true;
    },

    async uploadBlob(repository, digest, size, open) {
      checkDigest(digest, 'blob');
      // The POST answers any auth challenge first, so the streamed PUT (which cannot be sent twice) goes with it.
      const started = await send(`/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: { 'content-length': '0' } }, scopeOf(repository));
      if (started.status !== 202) throw await failure(started, `cannot start the upload of ${digest} to ${host}/${repository}`);
      await drain(started);
      const location = started.headers.get('location');
      if (!location) throw new SkiffError('UNAVAILABLE', `the registry ${host} started an upload without a Location`);
      const url = new URL(location, await origin());
      if (url.origin !== new URL(await origin()).origin) throw invalidArgument(`the registry ${host} sends the upload to another host (${url.origin}); refusing`);
      url.searchParams.set('digest', digest);
      const { Readable } = await import('node:stream');
      const body = Readable.toWeb(open()) as unknown as RequestInit['body'];
      const response = await follow(
        url,
        { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) }, body, duplex: 'half' } as RequestInit,
        await authorization(scopeOf(repository), false),
      );
      if (response.status !== 201) throw await failure(response, `cannot upload ${digest} to ${host}/${repository}`);
      await drain(response);
    },

    async putManifest(repository, reference, body, mediaType) {
      const response = await send(`/v2/${repository}/manifests/${reference}`, { method: 'PUT', headers: { 'content-type': mediaType }, body }, scopeOf(repository));
      if (response.status !== 201) throw await failure(response, `cannot push the manifest of ${host}/${repository}:${reference}`);
      await drain(response);
      return response.headers.get('docker-content-digest') ?? sha256(body);
    },

    async blobFrom(repository, descriptor, what, offset) {
      checkDigest(descriptor.digest, what);
      const path = `/v2/${repository}/blobs/${descriptor.digest}`;
      let response = await send(path, { method: 'GET', ...(offset > 0 ? { headers: { range: `bytes=${offset}-` } } : {}) }, scopeOf(repository));
      if (response.status === 416) {
        // The kept part is not a prefix the registry can continue: start again.
        await drain(response);
        response = await send(path, { method: 'GET' }, scopeOf(repository));
      }
      if (!response.ok) throw await failure(response, `cannot fetch ${what}`);
      const range = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
      const start = response.status === 206 && range && Number(range[1]) === offset ? offset : 0;
      if (response.status === 206 && start === 0 && offset > 0) {
        await drain(response);
        throw new SkiffError('UNAVAILABLE', `the registry ${host} answered a range of ${what} it was not asked for`);
      }
      const length = Number(response.headers.get('content-length') ?? Number.NaN);
      if (Number.isFinite(length) && length > descriptor.size - start) {
        await drain(response);
        throw invalidArgument(`${what} is served as ${length} more bytes than the ${descriptor.size - start} its descriptor leaves; nothing was stored`);
      }
      const { Readable } = await import('node:stream');
      return { stream: Readable.fromWeb(response.body! as import('node:stream/web').ReadableStream), offset: start };
    },

    async blob(repository, descriptor, what) {
      const response = await blobResponse(repository, descriptor, what);
      const length = Number(response.headers.get('content-length') ?? Number.NaN);
      if (Number.isFinite(length) && length > descriptor.size) {
        await response.body?.cancel();
        throw invalidArgument(`${what} is served as ${length} bytes, more than the ${descriptor.size} its descriptor says; nothing was stored`);
      }
      const { Readable } = await import('node:stream');
      const verifying = await verifyingStream(what, descriptor.digest, descriptor.size);
      const body = Readable.fromWeb(response.body! as import('node:stream/web').ReadableStream);
      return body.pipe(verifying).on('error', () => body.destroy());
    },
  };
}

/**
 * Reads a response body up to `limit` bytes; more is refused without reading the rest (a hostile registry cannot
 * make skiff buffer an endless manifest).
 */
export async function readBounded(response: Response, limit: number, what: string): Promise<Buffer> {
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(length) && length > limit) {
    await response.body?.cancel();
    throw invalidArgument(`${what} is ${length} bytes, more than the ${limit} skiff accepts; refusing it`);
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw invalidArgument(`${what} is more than the ${limit} bytes skiff accepts; refusing it`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

async function drain(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
