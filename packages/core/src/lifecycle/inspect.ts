import { healthOf, type ContainerHealth } from './health.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRecord } from '../state/record.js';
import type { Endpoint } from '@skiff/network';
import { files, isAlive, type Host } from './host.js';

/** `skiff inspect`'s view of a container, with docker's field names so existing scripts and habits carry over. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  Image: string;
  Path: string;
  Args: string[];
  State: {
    Status: 'created' | 'running' | 'paused' | 'exited';
    Running: boolean;
    Paused: boolean;
    Health?: ContainerHealth | undefined;
    Pid: number;
    ExitCode: number;
    OOMKilled: boolean;
    StartedAt: string;
    FinishedAt: string;
  };
  Config: {
    Hostname: string;
    Env: string[];
    Cmd: string[];
    Image: string;
    WorkingDir: string;
    Tty: boolean;
    OpenStdin: boolean;
    AttachStdin: boolean;
    AttachStdout: boolean;
    AttachStderr: boolean;
    User: string;
    Healthcheck?: { Test: string[]; Interval: number; Timeout: number; StartPeriod: number; StartInterval?: number; Retries: number };
    Labels: Record<string, string>;
    StopSignal?: string;
    StopTimeout?: number;
    Domainname: string;
    ExposedPorts?: Record<string, Record<string, never>>;
  };
  RestartCount: number;
  HostConfig: {
    RestartPolicy: { Name: string; MaximumRetryCount: number };
    AutoRemove: boolean;
    Init: boolean;
    NetworkMode: string;
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
    CgroupParent: string;
    Memory: number;
    MemorySwap: number;
    NanoCpus: number;
    CpuShares: number;
    CpusetCpus: string;
    CpusetMems: string;
    PidsLimit: number;
    Privileged: boolean;
    ReadonlyRootfs: boolean;
    SecurityOpt: string[];
    CapEffective: string[] | 'ALL';
    Tmpfs: Record<string, string>;
    Devices: { PathOnHost?: string; PathInContainer: string; CgroupPermissions: string }[];
    DeviceCgroupRules: string[] | null;
    Annotations?: Record<string, string>;
    UTSMode: string;
    CgroupnsMode: string;
    OomScoreAdj: number;
    OomKillDisable: boolean;
    CpuPeriod: number;
    CpuQuota: number;
    CpuRealtimePeriod: number;
    CpuRealtimeRuntime: number;
    MemoryReservation: number;
    MemorySwappiness: number | null;
    BlkioWeight: number;
    BlkioWeightDevice: { Path: string; Weight: number }[];
    BlkioDeviceReadBps: { Path: string; Rate: number }[];
    BlkioDeviceWriteBps: { Path: string; Rate: number }[];
    BlkioDeviceReadIOps: { Path: string; Rate: number }[];
    BlkioDeviceWriteIOps: { Path: string; Rate: number }[];
  };
  Mounts: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean; Driver: string; Options: Record<string, string> }[];
  GraphDriver: { Name: string };
  LogPath: string;
  NetworkSettings: NetworkSettingsInspect;
}

export interface EndpointInspect {
  Aliases: string[] | null;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  MacAddress: string;
}

/** docker's NetworkSettings: the top-level address fields describe the default bridge only (empty otherwise). */
export interface NetworkSettingsInspect {
  Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  MacAddress: string;
  Networks: Record<string, EndpointInspect>;
}

/** "80/tcp" → the host ports it is published on (docker's Ports map). */
export function portsMap(endpoints: Endpoint[]): NetworkSettingsInspect['Ports'] {
  const ports: NetworkSettingsInspect['Ports'] = {};
  for (const endpoint of endpoints) {
    for (const port of endpoint.ports) {
      (ports[`${port.containerPort}/${port.protocol}`] ??= []).push({ HostIp: port.hostIp || '0.0.0.0', HostPort: String(port.hostPort) });
    }
  }
  return ports;
}

function networkSettings(record: ContainerRecord, endpoints: Endpoint[], networkId: (name: string) => string): NetworkSettingsInspect {
  const bridge = endpoints.find((endpoint) => endpoint.network === 'bridge');
  const networks: Record<string, EndpointInspect> = {};
  for (const endpoint of endpoints) {
    networks[endpoint.network] = {
      Aliases: endpoint.network === 'bridge' ? null : [...endpoint.aliases, record.id.slice(0, 12)],
      NetworkID: networkId(endpoint.network),
      EndpointID: endpoint.veth,
      Gateway: endpoint.gateway,
      IPAddress: endpoint.ip,
      IPPrefixLen: endpoint.prefix,
      MacAddress: endpoint.mac,
    };
  }
  const mode = record.config.network;
  // Not running (or none, host): docker still names the network, with empty addresses.
  if (!endpoints.length && !mode.startsWith('container:')) networks[mode] = { Aliases: null, NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, MacAddress: '' };
  return {
    Ports: portsMap(endpoints),
    IPAddress: bridge?.ip ?? '',
    IPPrefixLen: bridge?.prefix ?? 0,
    Gateway: bridge?.gateway ?? '',
    MacAddress: bridge?.mac ?? '',
    Networks: networks,
  };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function inspectRecord(host: Host, record: ContainerRecord, endpoints: Endpoint[] = [], networkId: (name: string) => string = () => ''): ContainerInspect {
  const { config } = record;
  const running = record.status === 'running' && isAlive(record);
  const r = config.resources;
  const { security } = config;
  return {
    Id: record.id,
    Name: `/${record.name}`,
    Created: record.created,
    Image: config.image,
    Path: config.args[0] ?? '',
    Args: config.args.slice(1),
    State: {
      Status: record.status === 'stopped' ? 'exited' : record.paused ? 'paused' : record.status,
      Running: running,
      Paused: running && (record.paused ?? false),
      ...(running && config.healthcheck ? { Health: healthOf(host, record) } : {}),
      Pid: running ? record.pid ?? 0 : 0,
      ExitCode: record.exitCode ?? 0,
      OOMKilled: record.oomKilled ?? false,
      StartedAt: record.startedAt ?? ZERO_TIME,
      FinishedAt: record.finishedAt ?? ZERO_TIME,
    },
    Config: {
      Hostname: config.hostname,
      Env: config.configEnv ?? config.env,
      Cmd: config.args,
      Image: config.image,
      WorkingDir: config.workdir,
      Tty: config.tty,
      OpenStdin: config.interactive,
      AttachStdin: config.attach?.includes('stdin') ?? false,
      AttachStdout: config.attach?.includes('stdout') ?? false,
      AttachStderr: config.attach?.includes('stderr') ?? false,
      User: security.user ? `${security.user.uid}:${security.user.gid}` : '',
      ...(config.healthcheck
        ? {
            Healthcheck: {
              Test: config.healthcheck.test,
              Interval: (config.healthcheck.intervalMs ?? 0) * 1e6,
              Timeout: (config.healthcheck.timeoutMs ?? 0) * 1e6,
              StartPeriod: (config.healthcheck.startPeriodMs ?? 0) * 1e6,
              ...(config.healthcheck.startIntervalMs ? { StartInterval: config.healthcheck.startIntervalMs * 1e6 } : {}),
              Retries: config.healthcheck.retries ?? 0,
            },
          }
        : {}),
      Labels: config.labels ?? {},
      ...(config.stopSignal ? { StopSignal: config.stopSignal } : {}),
      ...(config.stopTimeout === undefined ? {} : { StopTimeout: config.stopTimeout }),
      Domainname: config.domainname ?? '',
      ...(config.exposedPorts ? { ExposedPorts: Object.fromEntries(config.exposedPorts.map((key) => [key, {}])) } : {}),
    },
    RestartCount: running ? restartCount(record.pid!) : 0,
    HostConfig: {
      RestartPolicy: { Name: config.restartPolicy?.name ?? 'no', MaximumRetryCount: config.restartPolicy?.maximumRetryCount ?? 0 },
      AutoRemove: config.autoRemove,
      Init: config.init,
      NetworkMode: config.network,
      PortBindings: portBindings(config.networking?.publish ?? []),
      CgroupParent: config.cgroupParent,
      Memory: r.memory ?? 0,
      MemorySwap: r.memorySwap ?? 0,
      NanoCpus: r.cpuQuota && r.cpuPeriod && !config.cfsGiven ? Math.round((r.cpuQuota / r.cpuPeriod) * 1e9) : 0,
      CpuShares: r.cpuShares ?? 0,
      CpusetCpus: r.cpusetCpus ?? '',
      CpusetMems: r.cpusetMems ?? '',
      PidsLimit: r.pidsLimit ?? 0,
      Privileged: security.privileged,
      ReadonlyRootfs: security.readOnlyRoot,
      SecurityOpt: [...(security.noNewPrivileges ? ['no-new-privileges'] : []), ...(security.seccomp === 'unconfined' ? ['seccomp=unconfined'] : [])],
      CapEffective: security.capabilities === 'all' ? 'ALL' : security.capabilities,
      Tmpfs: Object.fromEntries(security.tmpfs.map((mount) => [mount.target, mount.options.join(',')])),
      Devices: security.devices.map((device) => ({ PathInContainer: device.path, CgroupPermissions: device.permissions })),
      DeviceCgroupRules: config.deviceCgroupRules ?? null,
      ...(config.annotations ? { Annotations: config.annotations } : {}),
      UTSMode: config.utsMode ?? '',
      CgroupnsMode: config.cgroupnsMode ?? 'host',
      OomScoreAdj: config.oomScoreAdj ?? 0,
      OomKillDisable: r.oomKillDisable ?? false,
      // --cpus is kept as quota/period too: docker shows it as NanoCpus only.
      CpuPeriod: config.cfsGiven ? (r.cpuPeriod ?? 0) : 0,
      CpuRealtimePeriod: r.cpuRtPeriod ?? 0,
      CpuRealtimeRuntime: r.cpuRtRuntime ?? 0,
      CpuQuota: config.cfsGiven ? (r.cpuQuota ?? 0) : 0,
      MemoryReservation: r.memoryReservation ?? 0,
      MemorySwappiness: r.memorySwappiness ?? null,
      BlkioWeight: r.blkio?.weight ?? 0,
      BlkioWeightDevice: (r.blkio?.weightDevice ?? []).map((d) => ({ Path: d.path ?? `${d.major}:${d.minor}`, Weight: d.value })),
      BlkioDeviceReadBps: rates(r.blkio?.readBps),
      BlkioDeviceWriteBps: rates(r.blkio?.writeBps),
      BlkioDeviceReadIOps: rates(r.blkio?.readIops),
      BlkioDeviceWriteIOps: rates(r.blkio?.writeIops),
    },
    Mounts: config.volumes.map((volume) => ({
      Type: volume.driver === 'bind' ? 'bind' : 'volume',
      // A named or anonymous volume: its name, and (docker's Source) the local driver's data directory.
      ...(volume.volume ? { Name: volume.volume.name } : {}),
      Source: volume.volume && volume.driver === 'local' ? join(host.roots.root, 'volumes/local', volume.volume.name, '_data') : volume.source,
      Destination: volume.target,
      RW: !volume.readOnly,
      Driver: volume.driver,
      Options: volume.options,
    })),
    GraphDriver: { Name: config.storageDriver },
    LogPath: files(host, record.id).log,
    NetworkSettings: networkSettings(record, endpoints, networkId),
  };
}

const rates = (devices: { path?: string; major: number; minor: number; value: number }[] | undefined) =>
  (devices ?? []).map((d) => ({ Path: d.path ?? `${d.major}:${d.minor}`, Rate: d.value }));

function portBindings(publish: { hostIp: string; hostPort: number; containerPort: number; protocol: string }[]): Record<string, { HostIp: string; HostPort: string }[]> {
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of publish) (bindings[`${port.containerPort}/${port.protocol}`] ??= []).push({ HostIp: port.hostIp, HostPort: port.hostPort ? String(port.hostPort) : '' });
  return bindings;
}

/** --restart: the init counts its restarts in its name, "skiff-init:N" (native c/restart.c). */
export function restartCount(pid: number): number {
  try {
    return Number(/^skiff-init:(\d+)$/.exec(readFileSync(`/proc/${pid}/comm`, 'utf8').trim())?.[1] ?? 0);
  } catch {
    return 0;
  }
}
