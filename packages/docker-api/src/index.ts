/**
 * The Docker Engine API on a unix socket, over the skiff library (`skiff system service`): the docker CLI,
 * dockerode and other docker clients drive skiff with DOCKER_HOST=unix:///run/skiff/docker.sock. Containers
 * started in the background belong to their supervisors and outlive the service; containers started with a
 * client attached (docker run without -d) have their stdio relayed by the service.
 */
export { createDockerApiServer, type DockerApiServer } from './server.js';
export { serveDockerApi, checkAddress, socketPath, DEFAULT_SOCKET, type ServeOptions, type RunningService } from './listen.js';
export type { DockerApiBackend, RunFlags } from './backend.js';
export { API_VERSION, MIN_API_VERSION, serverInfo } from './routes/system.js';
