import { arch, cpus, hostname, release, totalmem } from 'node:os';
import type { DockerApiBackend } from '../backend.js';
import type { Router } from '../router.js';

/** The API version this server speaks (docker 27's), and the oldest it accepts (docker's own minimum). */
export const API_VERSION = '1.47';
export const MIN_API_VERSION = '1.24';
/** skiff's version, filled in by the CLI. */
export const serverInfo = { version: '0.0.0' };

const goArch = () => ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' })[arch()] ?? arch();

export function systemRoutes(router: Router, backend: DockerApiBackend): void {
  router.add('GET', '/_ping', (exchange) => {
    const headers = {
      'API-Version': API_VERSION,
      OSType: 'linux',
      'Docker-Experimental': 'false',
      'Builder-Version': '1',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
    };
    exchange.sendText(200, 'OK', headers);
  });

  router.add('GET', '/version', (exchange) => {
    exchange.send(200, {
      Platform: { Name: 'skiff' },
      Components: [{ Name: 'Engine', Version: serverInfo.version, Details: { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: 'linux', Arch: goArch() } }],
      Version: serverInfo.version,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: '',
      GoVersion: `node ${process.version}`,
      Os: 'linux',
      Arch: goArch(),
      KernelVersion: release(),
      BuildTime: '',
    });
  });

  router.add('GET', '/info', async (exchange) => {
    const containers = await backend.skiff.list();
    const images = await backend.images.list();
    const running = containers.filter((c) => c.status === 'running').length;
    exchange.send(200, {
      ID: '',
      Containers: containers.length,
      ContainersRunning: running,
      ContainersPaused: 0,
      ContainersStopped: containers.length - running,
      Images: new Set(images.map((image) => image.id)).size,
      Driver: 'overlay',
      DockerRootDir: backend.root,
      OperatingSystem: 'linux',
      OSType: 'linux',
      Architecture: arch() === 'x64' ? 'x86_64' : arch(),
      NCPU: cpus().length,
      MemTotal: totalmem(),
      KernelVersion: release(),
      Name: hostname(),
      ServerVersion: serverInfo.version,
      CgroupDriver: 'cgroupfs',
      LoggingDriver: 'skiff',
      SecurityOptions: ['name=seccomp,profile=builtin'],
      Runtimes: { skiff: { path: 'skiff-helper' } },
      DefaultRuntime: 'skiff',
      Swarm: { LocalNodeState: 'inactive' },
      Warnings: [],
    });
  });
}
