import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { DockerApiBackend } from './backend.js';
import { ApiError, badRequest } from './errors.js';
import { answerError, httpExchange, upgradeExchange, type Exchange } from './exchange.js';
import { Router } from './router.js';
import { containerRoutes } from './routes/containers.js';
import { execRoutes } from './routes/exec.js';
import { imageRoutes } from './routes/images.js';
import { API_VERSION, MIN_API_VERSION, diskUsageRoutes, systemRoutes } from './routes/system.js';
import { archiveRoutes } from './routes/archive.js';
import { containerOpRoutes } from './routes/container-ops.js';
import { eventRoutes } from './routes/events.js';
import { networkRoutes } from './routes/networks.js';
import { volumeRoutes } from './routes/volumes.js';
import { State } from './state.js';

export interface DockerApiServer {
  server: Server;
  /** Requests being answered, streams held open (attach, logs -f, wait, exec) and containers started attached: the idle timer waits for 0. */
  active(): number;
  /** Called whenever active() may have changed. */
  onActivity?: () => void;
}

const compareVersions = (a: string, b: string) => {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
};

/** The `/v1.xx` prefix off the path; 400 for a version this server does not speak (docker's words). */
function stripVersion(pathname: string): string {
  const found = /^\/v(\d+\.\d+)(\/.*)$/.exec(pathname);
  if (!found) return pathname;
  const version = found[1]!;
  if (compareVersions(version, API_VERSION) > 0) throw badRequest(`client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
  if (compareVersions(version, MIN_API_VERSION) < 0) throw badRequest(`client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  return found[2]!;
}

/**
 * The Docker Engine API over the skiff library, as an http.Server (listen it on a unix socket: see listen.ts).
 * Handlers are thin: each maps one endpoint onto a library call (podman's pkg/api/server does the same).
 */
export function createDockerApiServer(backend: DockerApiBackend): DockerApiServer {
  const router = new Router();
  const state = new State();
  systemRoutes(router, backend);
  containerRoutes(router, backend, state);
  containerOpRoutes(router, backend);
  archiveRoutes(router, backend);
  execRoutes(router, backend, state);
  imageRoutes(router, backend);
  volumeRoutes(router, backend);
  eventRoutes(router, backend);
  networkRoutes(router, backend);
  diskUsageRoutes(router, backend);

  let active = 0;
  // Containers whose stdio the service relays (started attached) end with it: they keep it up too.
  const api: DockerApiServer = { server: undefined as unknown as Server, active: () => active + state.owned.size };
  state.onChange = () => api.onActivity?.();
  const track = (done: Promise<unknown>) => {
    active++;
    api.onActivity?.();
    void done.finally(() => {
      active--;
      api.onActivity?.();
    });
  };

  async function dispatch(make: (path: string, query: URLSearchParams) => Exchange, request: IncomingMessage, destroy: () => void): Promise<void> {
    let exchange: Exchange | undefined;
    try {
      const url = new URL(request.url ?? '/', 'http://docker');
      exchange = make(stripVersion(url.pathname), url.searchParams);
      let found: ReturnType<Router['match']>;
      try {
        found = router.match(exchange.method, exchange.path);
      } catch (error) {
        throw error instanceof URIError ? badRequest(`malformed path ${JSON.stringify(url.pathname)}`) : error;
      }
      if ('allowed' in found) {
        throw found.allowed.length ? new ApiError(405, `method ${exchange.method} not allowed for ${exchange.path}`) : new ApiError(404, `page not found`);
      }
      exchange.params = found.params;
      await found.handler(exchange);
    } catch (error) {
      if (exchange) answerError(exchange, error, destroy);
      else make('/', new URLSearchParams()).send(400, { message: (error as Error).message });
    }
  }

  const server = createServer((request, response) => {
    track(dispatch((path, query) => httpExchange(request, response, path, query), request, () => response.destroy()));
  });
  // Attach and exec start ask to take the connection over (`Connection: Upgrade`, `Upgrade: tcp`).
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    track(dispatch((path, query) => upgradeExchange(request, socket, head, path, query), request, () => socket.destroy()));
  });
  server.on('clientError', (_error, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  api.server = server;
  return api;
}
