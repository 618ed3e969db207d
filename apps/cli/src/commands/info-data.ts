import { readFileSync } from 'node:fs';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { detectCgroupVersion } from '@skiff/cgroups';
import type { createContext } from '../context.js';
import { struct } from '../template/index.js';
import { bytesSize } from '../format.js';

type Context = Awaited<ReturnType<typeof createContext>>;

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
const runtimeName = () => ((globalThis as { Bun?: { version: string } }).Bun ? `bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}` : `node ${process.version}`);

/** `docker version`'s fields (types.Version), with skiff's values; the JS runtime stands where docker names Go. */
export function versionInfo(version: string) {
  const os = 'linux';
  const architecture = GO_ARCH[arch()] ?? arch();
  return struct('types.VersionResponse', {
    Client: struct('client', { Platform: { Name: 'skiff' }, Version: version, ApiVersion: '', DefaultAPIVersion: '', GitCommit: '', GoVersion: runtimeName(), Os: os, Arch: architecture, BuildTime: '', Context: 'default' }),
    Server: struct('server', {
      Platform: { Name: 'skiff (daemonless: this host)' },
      Version: version,
      ApiVersion: '',
      MinAPIVersion: '',
      GitCommit: '',
      GoVersion: runtimeName(),
      Os: os,
      Arch: architecture,
      KernelVersion: release(),
      Components: [{ Name: 'Engine', Version: version, Details: { KernelVersion: release(), Os: os, Arch: architecture } }],
    }),
  });
}

export function versionText(info: ReturnType<typeof versionInfo>): string {
  const { Client: c, Server: s } = info;
  return [
    'Client:',
    ` Version:           ${c.Version}`,
    ` Runtime:           ${c.GoVersion}`,
    ` OS/Arch:           ${c.Os}/${c.Arch}`,
    ` Context:           ${c.Context}`,
    '',
    `Server: ${s.Platform.Name}`,
    ' Engine:',
    `  Version:          ${s.Version}`,
    `  Runtime:          ${s.GoVersion}`,
    `  OS/Arch:          ${s.Os}/${s.Arch}`,
    `  Kernel Version:   ${s.KernelVersion}`,
    '',
  ].join('\n');
}

function operatingSystem(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

/** `docker info`'s fields (system.Info) that skiff can fill. */
export async function systemInfo(context: Context, version: string) {
  const containers = await context.runtime.list();
  const images = await context.images.list();
  const storage = context.registry.names('storage');
  const running = containers.filter((record) => record.status === 'running').length;
  return struct('system.Info', {
    ID: '',
    Containers: containers.length,
    ContainersRunning: running,
    ContainersPaused: 0,
    ContainersStopped: containers.length - running,
    Images: images.length,
    Driver: storage[0] ?? '',
    Plugins: struct('Plugins', { Volume: context.registry.names('volume'), Network: ['none', 'host'], Storage: storage }),
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: detectCgroupVersion() === 'v2' ? '2' : '1',
    KernelVersion: release(),
    OperatingSystem: operatingSystem(),
    OSType: 'linux',
    Architecture: arch() === 'x64' ? 'x86_64' : arch(),
    NCPU: cpus().length,
    MemTotal: totalmem(),
    Name: hostname(),
    DockerRootDir: context.roots.root,
    ServerVersion: version,
  });
}

export function infoText(info: Awaited<ReturnType<typeof systemInfo>>): string {
  return [
    'Client:',
    ` Version:    ${info.ServerVersion}`,
    ' Context:    default',
    '',
    'Server:',
    ` Containers: ${info.Containers}`,
    `  Running: ${info.ContainersRunning}`,
    `  Paused: ${info.ContainersPaused}`,
    `  Stopped: ${info.ContainersStopped}`,
    ` Images: ${info.Images}`,
    ` Server Version: ${info.ServerVersion}`,
    ` Storage Driver: ${info.Driver}`,
    ` Logging Driver: ${info.LoggingDriver}`,
    ` Cgroup Driver: ${info.CgroupDriver}`,
    ` Cgroup Version: ${info.CgroupVersion}`,
    ' Plugins:',
    `  Volume: ${info.Plugins.Volume.join(' ')}`,
    `  Network: ${info.Plugins.Network.join(' ')}`,
    ` Kernel Version: ${info.KernelVersion}`,
    ` Operating System: ${info.OperatingSystem}`,
    ` OSType: ${info.OSType}`,
    ` Architecture: ${info.Architecture}`,
    ` CPUs: ${info.NCPU}`,
    ` Total Memory: ${bytesSize(info.MemTotal)}`,
    ` Name: ${info.Name}`,
    ` Docker Root Dir: ${info.DockerRootDir}`,
    '',
  ].join('\n');
}
