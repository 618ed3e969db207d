/**
 * Registry authentication, after the distribution token spec: a request answered 401 carries
 * `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` (or `Basic realm="…"`). For Bearer, the token
 * service at `realm` is asked for a token for `service` and `scope` (with Basic credentials when there are
 * some, anonymously otherwise), and the request is sent again with `Authorization: Bearer <token>`.
 */
import { invalidArgument, SkiffError } from '@skiff/plugin';

export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

/** Parses one WWW-Authenticate header (RFC 7235: a scheme, then comma-separated key=value or key="quoted"). */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const params: Record<string, string> = {};
  const pair = /\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/gy;
  const rest = match[2]!;
  let found: RegExpExecArray | null;
  while (pair.lastIndex < rest.length && (found = pair.exec(rest)) !== null) {
    params[found[1]!.toLowerCase()] = found[2] !== undefined ? found[2].replace(/\\(.)/g, '$1') : found[3]!;
  }
  return { scheme, params };
}

export const basicHeader = (credentials: Credentials) => `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;

interface CachedToken {
  token: string;
  expires: number;
}

/** Tokens per realm, service and scope, kept until shortly before they expire. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  static key(realm: string, service: string | undefined, scope: string): string {
    return `${realm}\n${service ?? ''}\n${scope}`;
  }

  get(key: string, now = Date.now()): string | undefined {
    const cached = this.tokens.get(key);
    if (cached && cached.expires > now) return cached.token;
    this.tokens.delete(key);
    return undefined;
  }

  set(key: string, token: string, expiresInSeconds: number, now = Date.now()): void {
    // The spec's minimum lifetime is 60 s; keep a margin so a token never expires in flight.
    const lifetime = Math.max(expiresInSeconds, 60) * 1000;
    this.tokens.set(key, { token, expires: now + lifetime - 10_000 });
  }

  drop(key: string): void {
    this.tokens.delete(key);
  }
}

/** Reads the token service's answer: `{token}` or `{access_token}`, and `expires_in` seconds. */
export function parseTokenResponse(body: string, realm: string): { token: string; expiresIn: number } {
  let json: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    json = JSON.parse(body) as typeof json;
  } catch (error) {
    throw new SkiffError('UNAVAILABLE', `the token service ${realm} answered with something that is not JSON`, { cause: error });
  }
  const token = typeof json.token === 'string' && json.token !== '' ? json.token : typeof json.access_token === 'string' ? json.access_token : undefined;
  if (!token) throw new SkiffError('UNAVAILABLE', `the token service ${realm} answered without a token`);
  const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 60;
  return { token, expiresIn };
}

/** The realm URL, refused unless it is https, or http on the loopback (credentials never travel in clear). */
export function realmUrl(challenge: Challenge, loopback: (host: string) => boolean): URL {
  const realm = challenge.params.realm;
  let url: URL;
  try {
    url = new URL(realm ?? '');
  } catch {
    throw invalidArgument(`the registry's auth challenge names no valid token realm (${JSON.stringify(realm)})`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback(url.host))) return url;
  throw invalidArgument(`the registry sends skiff to the token service ${url.href}, which is not https; refusing to send credentials there`);
}
