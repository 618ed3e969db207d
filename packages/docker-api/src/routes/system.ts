import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { diskUsage, taggedName } from '@skiff/image';
import type { DockerApiBackend } from '../backend.js';
import { statusText } from './container-views.js';
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

const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** GET /system/df: images (layers counted once, shared ones apart), containers' writable layers, volumes. */
export function diskUsageRoutes(router: Router, backend: DockerApiBackend): void {
  router.add('GET', '/system/df', async (exchange) => {
    const { skiff, images } = backend;
    const containers = await Promise.all((await skiff.list()).map((summary) => skiff.inspect(summary.id).catch(() => undefined)));
    const records = await images.list();
    const layerSize = new Map<string, number>();
    const layerUsers = new Map<string, number>();
    const byId = new Map<string, (typeof records)[number][]>();
    for (const image of records) byId.set(image.id, [...(byId.get(image.id) ?? []), image]);
    for (const [, [image]] of byId) {
      for (const [index, dir] of images.layerDirs(image!).entries()) {
        const id = image!.layers[index]!;
        if (!layerSize.has(id)) layerSize.set(id, await diskUsage(dir));
        layerUsers.set(id, (layerUsers.get(id) ?? 0) + 1);
      }
    }
    const imageRows = [...byId].map(([id, [image, ...more]]) => {
      const names = [image!, ...more].map((record) => taggedName(record.name));
      const layers = image!.layers;
      return {
        Id: `sha256:${id}`,
        ParentId: '',
        RepoTags: names,
        RepoDigests: [],
        Created: unix(image!.created),
        Size: layers.reduce((sum, layer) => sum + (layerSize.get(layer) ?? 0), 0),
        SharedSize: layers.filter((layer) => (layerUsers.get(layer) ?? 0) > 1).reduce((sum, layer) => sum + (layerSize.get(layer) ?? 0), 0),
        Labels: {},
        Containers: containers.filter((container) => container && names.some((name) => name === container.Config.Image || name === taggedName(container.Config.Image))).length,
      };
    });
    const containerRows = [];
    for (const container of containers) {
      if (!container) continue;
      containerRows.push({
        Id: container.Id,
        Names: [container.Name],
        Image: container.Config.Image,
        Command: [container.Path, ...container.Args].join(' '),
        Created: unix(container.Created),
        State: container.State.Status,
        Status: statusText(container),
        SizeRw: await skiff.writableSize(container.Id).catch(() => 0),
        SizeRootFs: 0,
        Labels: container.Config.Labels,
        Mounts: container.Mounts,
      });
    }
    const volumeRows = [];
    for (const record of await skiff.volumes.list()) {
      const found = await skiff.volumes.inspect(record.name).catch(() => undefined);
      const size = found?.info.mountpoint ? await diskUsage(found.info.mountpoint) : 0;
      volumeRows.push({
        Name: record.name,
        Driver: record.driver,
        Mountpoint: found?.info.mountpoint ?? '',
        Labels: record.labels,
        Scope: 'local',
        Options: found?.info.options ?? {},
        UsageData: { Size: size, RefCount: (await skiff.volumes.users(record.name)).length },
      });
    }
    const layersSize = [...layerSize.values()].reduce((a, b) => a + b, 0);
    exchange.send(200, { LayersSize: layersSize, Images: imageRows, Containers: containerRows, Volumes: volumeRows, BuildCache: [] });
  });
}
