import { join } from 'node:path';
import type { ContainerRecord } from '../state/record.js';
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
    Status: 'created' | 'running' | 'exited';
    Running: boolean;
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
    User: string;
  };
  HostConfig: {
    AutoRemove: boolean;
    Init: boolean;
    NetworkMode: string;
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
  };
  Mounts: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean; Driver: string; Options: Record<string, string> }[];
  GraphDriver: { Name: string };
  LogPath: string;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function inspectRecord(host: Host, record: ContainerRecord): ContainerInspect {
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
      Status: record.status === 'stopped' ? 'exited' : record.status,
      Running: running,
      Pid: running ? record.pid ?? 0 : 0,
      ExitCode: record.exitCode ?? 0,
      OOMKilled: record.oomKilled ?? false,
      StartedAt: record.startedAt ?? ZERO_TIME,
      FinishedAt: record.finishedAt ?? ZERO_TIME,
    },
    Config: {
      Hostname: config.hostname,
      Env: config.env,
      Cmd: config.args,
      Image: config.image,
      WorkingDir: config.workdir,
      Tty: config.tty,
      OpenStdin: config.interactive,
      User: security.user ? `${security.user.uid}:${security.user.gid}` : '',
    },
    HostConfig: {
      AutoRemove: config.autoRemove,
      Init: config.init,
      NetworkMode: config.network,
      CgroupParent: config.cgroupParent,
      Memory: r.memory ?? 0,
      MemorySwap: r.memorySwap ?? 0,
      NanoCpus: r.cpuQuota && r.cpuPeriod ? Math.round((r.cpuQuota / r.cpuPeriod) * 1e9) : 0,
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
  };
}
