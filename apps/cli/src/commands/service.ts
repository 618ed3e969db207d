/**
 * `skiff system service`: the Docker Engine API on a unix socket (@skiff/docker-api), wired to this command's
 * own state roots, flag parser and pull, so a create body meets the same checks as `skiff run`'s flags.
 */
import { Skiff } from 'skiff';
import { isDefaultImage } from 'skiff/wiring';
import { checkAddress, DEFAULT_SOCKET, serveDockerApi, serverInfo, type DockerApiBackend } from '@skiff/docker-api';
import { invalidArgument } from '@skiff/plugin';
import { createContext, type GlobalOptions } from '../context.js';
import { toRunOptions } from '../flags/run-options.js';
import { helper } from '../pull.js';

declare const __SKIFF_VERSION__: string;

export interface ServiceOptions {
  time: number;
  group?: string;
}

/** A group by number, or by name from /etc/group. */
async function groupId(group: string): Promise<number> {
  if (/^\d+$/.test(group)) return Number(group);
  const { readFile } = await import('node:fs/promises');
  const line = (await readFile('/etc/group', 'utf8')).split('\n').find((entry) => entry.split(':')[0] === group);
  if (!line) throw invalidArgument(`unknown group ${JSON.stringify(group)}`);
  return Number(line.split(':')[2]);
}

export async function runService(globals: GlobalOptions, address: string | undefined, options: ServiceOptions): Promise<void> {
  // Bad input is refused before anything is made.
  const gid = options.group === undefined ? 0 : await groupId(options.group);
  await checkAddress(address ?? DEFAULT_SOCKET);
  const context = await createContext(globals);
  const image = await import('@skiff/image');
  const helperPath = await helper();
  const backend: DockerApiBackend = {
    skiff: new Skiff(context.runtime),
    images: context.images,
    root: context.roots.root,
    // No host environment to copy `-e KEY` from: the service's own must never reach a container.
    createOptions: (name, args, flags) => toRunOptions(name, args, { ...flags, env: [] }),
    async pull(name, pullOptions) {
      const reference = image.parseReference(name);
      return image.pullImage(context.images, name, {
        helper: helperPath,
        settings: await image.readRegistrySettings(context.roots.root),
        credentials: pullOptions.credentials ?? (await image.readCredentials(context.roots.root, reference.domain)),
        onProgress: pullOptions.onProgress,
        signal: pullOptions.signal,
      });
    },
    async push(name, pushOptions) {
      const reference = image.parseReference(name);
      return image.pushImage(context.images, name, {
        settings: await image.readRegistrySettings(context.roots.root),
        credentials: pushOptions.credentials ?? (await image.readCredentials(context.roots.root, reference.domain)),
        onProgress: pushOptions.onProgress,
      });
    },
    load: (source) => image.loadImages(context.images, source, { helper: helperPath, label: 'the request body' }),
    pruneContainers: async (filters) => (await import('./container-prune.js')).pruneStopped(context.runtime, filters),
    pruneImages: async (all) => (await import('./image-prune.js')).pruneImageStore(context.images, context.runtime, all),
    isDefaultImage,
  };
  serverInfo.version = __SKIFF_VERSION__;
  const service = await serveDockerApi(backend, { address, idleSeconds: options.time, gid });
  // close() waits for the server's connections; a hijacked stream (attach, exec) is no longer the server's to
  // close, so after a grace period a signal ends the service anyway (its attached containers end with it).
  const stop = () => {
    void service.close();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', stop).once('SIGINT', stop);
  await service.closed;
}
