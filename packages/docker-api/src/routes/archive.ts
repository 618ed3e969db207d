/**
 * /containers/{id}/archive, docker cp's endpoint: HEAD stats a path, GET reads it as a tar, PUT extracts a tar
 * into a directory. The container's own `stat` and `tar` do the work inside its root (the library's archive
 * calls, as `skiff cp`): a symlink in the container resolves within it, and the service never unpacks an
 * archive on the host.
 */
import { SkiffError, type ContainerInspect, type PathStat } from 'skiff';
import type { DockerApiBackend } from '../backend.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { Router } from '../router.js';
import { flag, lookup } from './containers.js';

const DIRECTORY = 2 ** 31;

/** The header docker cp reads the stat from: base64 JSON. */
const statHeader = (stat: PathStat) => ({ 'X-Docker-Container-Path-Stat': Buffer.from(JSON.stringify(stat)).toString('base64') });

export function archiveRoutes(router: Router, backend: DockerApiBackend): void {
  const { skiff } = backend;

  /** The running container and the absolute path asked for. */
  async function target(exchange: Exchange): Promise<{ container: ContainerInspect; path: string }> {
    const container = await lookup(backend, exchange.params.id!);
    const given = exchange.query.get('path');
    if (!given) throw badRequest('path is required');
    if (given.includes('\0')) throw badRequest('path contains a NUL byte');
    // skiff copies with the container's own tools, which need it running (docker's daemon also reads stopped ones).
    if (!container.State.Running) throw conflict(`container ${container.Name.replace(/^\//, '')} is not running: skiff copies files only in and out of a running container`);
    return { container, path: given.startsWith('/') ? given : `/${given}` };
  }

  async function stat(container: ContainerInspect, path: string, follow = false): Promise<PathStat> {
    const found = await skiff.statPath(container.Id, path, { follow });
    if (!found) throw notFound(`Could not find the file ${path} in container ${container.Name.replace(/^\//, '')}`);
    return found;
  }

  router.add('GET', '/containers/:id/archive', async (exchange) => {
    const { container, path } = await target(exchange);
    const found = await stat(container, path);
    if (exchange.method === 'HEAD') return exchange.send(200, undefined, statHeader(found));
    const out = exchange.stream(200, 'application/x-tar', statHeader(found));
    try {
      await skiff.archive(container.Id, path, out);
    } catch {
      // The headers are out: a failure can only cut the archive short, which the client reports.
      out.destroy();
      return;
    }
    out.end();
  });

  router.add('PUT', '/containers/:id/archive', async (exchange) => {
    const { container, path } = await target(exchange);
    // A symlink to a directory is followed, inside the container's root (as its tar then does).
    const found = await stat(container, path, true);
    if ((found.mode & DIRECTORY) === 0) throw badRequest(`extraction point ${path} is not a directory`);
    await skiff.extract(container.Id, path, exchange.body(), { keepOwners: flag(exchange, 'copyUIDGID') }).catch((error: unknown) => {
      // The container's tar refused the archive (or part of it): the client's to mend.
      if (SkiffError.is(error, 'FAILED_PRECONDITION')) throw badRequest(`extracting the archive into ${path} failed: ${(error as Error).message}`);
      throw error;
    });
    exchange.send(200);
  });
}
