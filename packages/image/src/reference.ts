/**
 * Image references, by docker's rules (distribution/reference):
 *
 *   alpine                         -> docker.io/library/alpine:latest
 *   team/tool:2.0                  -> docker.io/team/tool:2.0
 *   ghcr.io/org/app@sha256:<hex>   -> registry ghcr.io, repository org/app, by digest
 *   127.0.0.1:5000/some/image:v1   -> registry 127.0.0.1:5000
 *
 * The first '/'-separated component names a registry when it has a '.' or a ':', is `localhost`, or has an
 * uppercase letter; otherwise the registry is docker.io, and a one-component docker.io name lives under
 * `library/`. Path components are lowercase alphanumerics joined by '.', '_', '__' or runs of '-'; the name
 * (registry and path) is at most 255 characters; a tag is `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`; a digest is
 * `sha256:` and 64 lowercase hex digits (the only algorithm a registry must serve).
 */
import { invalidArgument } from '@skiff/plugin';

export interface ImageReference {
  /** Registry as written in the name (`docker.io` for docker hub, `127.0.0.1:5000`, `ghcr.io`). */
  domain: string;
  /** Repository path inside the registry (`library/alpine`, `org/app`). */
  path: string;
  /** The tag, when the reference names one; `latest` when it names neither a tag nor a digest. */
  tag: string | undefined;
  /** `sha256:<hex>` when the reference pins a digest. */
  digest: string | undefined;
}

export const DOCKER_HUB = 'docker.io';
/** Where docker.io's API actually lives. */
export const DOCKER_HUB_HOST = 'registry-1.docker.io';

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const ANY_DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** Parses `NAME[:TAG][@DIGEST]`. Throws INVALID_ARGUMENT with one line saying what is wrong. */
export function parseReference(text: string): ImageReference {
  const fail = (why: string) => invalidArgument(`invalid reference format ${JSON.stringify(text)}: ${why}`);
  if (typeof text !== 'string' || text.length === 0) throw fail('it is empty');
  if (text.length > 512) throw fail('it is longer than 512 characters');

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (DIGEST.test(digest)) {
      // fine
    } else if (ANY_DIGEST.test(digest)) {
      throw fail(`the digest ${JSON.stringify(digest)} is not sha256:<64 lowercase hex digits>, the only kind skiff accepts`);
    } else {
      throw fail(`the digest ${JSON.stringify(digest)} is malformed; use NAME@sha256:<64 hex digits>`);
    }
  }

  // A tag follows the last ':' that comes after the last '/' (a ':' before it is a registry's port).
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw fail(`the tag ${JSON.stringify(tag)} is not allowed; a tag is up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'`);
  }

  if (rest.length === 0) throw fail('the name is empty');
  if (rest.length > 255) throw fail('the repository name is longer than 255 characters');

  let domain = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first) {
      domain = first;
      path = rest.slice(slash + 1);
      if (!DOMAIN.test(domain)) throw fail(`the registry ${JSON.stringify(domain)} is not a host name or host:port`);
    }
  }
  if (domain === 'index.docker.io') domain = DOCKER_HUB;
  if (path.toLowerCase() !== path) throw fail('repository name must be lowercase');
  for (const part of path.split('/')) {
    if (!PATH_COMPONENT.test(part)) {
      throw fail(`the path component ${JSON.stringify(part)} is not allowed; use lowercase letters and digits, joined by '.', '_', '__' or '-'`);
    }
  }
  if (domain === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { domain, path, tag, digest };
}

/** `docker.io/library/alpine` -> `alpine`, `docker.io/team/tool` -> `team/tool`; other registries keep their host. */
export function familiarName(reference: Pick<ImageReference, 'domain' | 'path'>): string {
  if (reference.domain !== DOCKER_HUB) return `${reference.domain}/${reference.path}`;
  const short = reference.path.startsWith('library/') ? reference.path.slice('library/'.length) : reference.path;
  return short.includes('/') ? reference.path : short;
}

/** The full name as docker prints it in RepoTags / RepoDigests: familiar name, then `:tag` or `@digest`. */
export function familiarString(reference: ImageReference): string {
  const name = familiarName(reference);
  if (reference.digest !== undefined) return `${name}@${reference.digest}`;
  return `${name}:${reference.tag ?? 'latest'}`;
}

/** The host to talk to for a registry name (`docker.io` is served from `registry-1.docker.io`). */
export function registryHost(domain: string): string {
  return domain === DOCKER_HUB ? DOCKER_HUB_HOST : domain;
}

/** Whether a registry is on the loopback (127.0.0.0/8, ::1, localhost): those may speak plain HTTP, as docker allows. */
export function isLoopbackRegistry(domain: string): boolean {
  const host = domain.startsWith('[') ? domain.slice(1, domain.indexOf(']')) : domain.replace(/:[0-9]+$/, '');
  if (host === 'localhost' || host === '::1') return true;
  const octets = host.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((octet) => /^[0-9]{1,3}$/.test(octet) && Number(octet) <= 255);
}
