import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { SkiffError } from '@skiff/plugin';
import type { DockerApiBackend } from './backend.js';
import { createDockerApiServer } from './server.js';

export const DEFAULT_SOCKET = 'unix:///run/skiff/docker.sock';

export interface ServeOptions {
  /** `unix:///path.sock` (default DEFAULT_SOCKET). TCP is refused: it would need TLS client certificates. */
  address?: string;
  /** Exit after this many seconds with no request in progress; 0 = never. */
  idleSeconds: number;
  /** Group (gid) that may use the socket besides root; default 0. The socket is 0660. */
  gid?: number;
}

export interface RunningService {
  path: string;
  /** Resolves once the service has stopped (idle timeout or close()). */
  closed: Promise<void>;
  close(): Promise<void>;
}

/** The socket path of a `unix://` address; one clear error for anything else. */
export function socketPath(address: string): string {
  if (address.startsWith('unix://')) {
    const path = address.slice('unix://'.length);
    if (!path.startsWith('/')) throw new SkiffError('INVALID_ARGUMENT', `invalid address ${JSON.stringify(address)}: the socket path must be absolute`, { hint: 'e.g. unix:///run/skiff/docker.sock' });
    return path;
  }
  if (/^(tcp|http|https):\/\//.test(address)) {
    throw new SkiffError('NOT_SUPPORTED', `refusing to listen on ${address}: the API gives root on this host to whoever reaches it, and TCP with TLS client certificates is not supported yet`, { hint: 'use a unix:// socket (root-only, 0660)' });
  }
  throw new SkiffError('INVALID_ARGUMENT', `invalid address ${JSON.stringify(address)}`, { hint: 'expected unix:///path/to/docker.sock' });
}

/** Whether something answers on the socket at `path`. */
function listening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The socket path of `address`, checked: a stale socket file (nothing listening) may be replaced; a live one is
 * an error; any other file there is left alone and refused. Call it before making anything else.
 */
export async function checkAddress(address: string): Promise<string> {
  const path = socketPath(address);
  if (existsSync(path)) {
    if (!lstatSync(path).isSocket()) throw new SkiffError('ALREADY_EXISTS', `${path} exists and is not a socket`, { hint: 'remove it or choose another path' });
    if (await listening(path)) throw new SkiffError('ALREADY_EXISTS', `another service is listening on ${path}`, { hint: 'stop it, or choose another path' });
  }
  return path;
}

/**
 * Serves the API on a unix socket until idle for `idleSeconds`. The socket is made under umask 0117 (so it is
 * never more open than 0660, not even for a moment), then given to root:`gid` (see checkAddress for what may
 * already be at the path).
 */
export async function serveDockerApi(backend: DockerApiBackend, options: ServeOptions): Promise<RunningService> {
  const path = await checkAddress(options.address ?? DEFAULT_SOCKET);
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const api = createDockerApiServer(backend);
  const { server } = api;
  if (existsSync(path)) unlinkSync(path); // a stale socket: checkAddress refused anything else
  const umask = process.umask(0o117);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  chownSync(path, 0, options.gid ?? 0);
  chmodSync(path, 0o660);

  let timer: NodeJS.Timeout | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing = false;
  const close = async () => {
    if (closing) return closed;
    closing = true;
    clearTimeout(timer);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    try {
      unlinkSync(path);
    } catch {
      // already gone (server.close may unlink it)
    }
    resolveClosed();
    return closed;
  };
  const arm = () => {
    clearTimeout(timer);
    if (options.idleSeconds > 0 && api.active() === 0 && !closing) timer = setTimeout(() => void close(), options.idleSeconds * 1000);
  };
  api.onActivity = arm;
  arm();
  return { path, closed, close };
}
