/**
 * A container create body (docker's Config with HostConfig inside) into docker run's flags, which the `skiff`
 * command's own parser then checks and types: a bind in HostConfig.Binds meets the checks of `-v`, a port
 * binding those of `-p`, a capability those of `--cap-add`. A field skiff cannot honour is refused with a 400
 * naming it, never silently dropped: every key of Config and HostConfig is either mapped, known to be the
 * client's own business, or must hold docker's zero value (see `refuseUnknown`).
 */
import type { Healthcheck } from '@skiff/core';
import type { CreateOptions } from 'skiff';
import type { RunFlags } from '../backend.js';
import { badRequest } from '../errors.js';

type Json = Record<string, unknown>;

export interface CreateRequest {
  image: string;
  args: string[];
  flags: RunFlags;
  /** Set after parsing: docker's Entrypoint is a list, the flag a single word. */
  entrypoint?: string[];
  env: Record<string, string>;
  /** Set after parsing: the flags carry only a CMD-SHELL check. */
  healthcheck?: Healthcheck;
  warnings: string[];
}

const object = (value: unknown, field: string): Json => {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest(`${field} must be an object`);
  return value as Json;
};

const string = (value: unknown, field: string): string | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw badRequest(`${field} must be a string`);
  return value;
};

const strings = (value: unknown, field: string): string[] | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw badRequest(`${field} must be a list of strings`);
  return value as string[];
};

const boolean = (value: unknown, field: string): boolean | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw badRequest(`${field} must be true or false`);
  return value;
};

/** A positive byte count or count as the flag's string; 0 and absent mean "not set" (docker's zero values). */
const amount = (value: unknown, field: string, allowMinusOne = false): string | undefined => {
  if (value === undefined || value === null || value === 0) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || (value < 0 && !(allowMinusOne && value === -1))) {
    throw badRequest(`${field} must be a whole number${allowMinusOne ? ' (or -1)' : ''}`);
  }
  return String(value);
};

/** KEY=VALUE entries. A bare KEY (no '=') sets nothing: the docker CLI resolves those on the client's side. */
function environment(entries: string[]): Record<string, string> {
  const env: [string, string][] = [];
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals < 0) continue;
    if (equals === 0 || entry.includes('\0')) throw badRequest(`invalid environment entry ${JSON.stringify(entry)}: expected KEY=VALUE`);
    env.push([entry.slice(0, equals), entry.slice(equals + 1)]);
  }
  return Object.fromEntries(env);
}

/** docker's "default" is the daemon's default network: skiff's default (bridge, unless config.json says otherwise). */
function network(mode: string | undefined): string | undefined {
  return mode === undefined || mode === '' || mode === 'default' ? undefined : mode;
}

/** One of HostConfig.Mounts as a --mount flag: type, source, target, readonly, tmpfs size/mode, volume driver/options. */
function mountFlag(value: unknown, index: number): string {
  const where = `HostConfig.Mounts[${index}]`;
  const mount = object(value, where);
  refuseUnknown(mount, where, ['Type', 'Source', 'Target', 'ReadOnly', 'Consistency', 'TmpfsOptions', 'VolumeOptions']);
  const type = string(mount.Type, 'Mount.Type') ?? 'volume';
  const target = string(mount.Target, 'Mount.Target');
  const source = string(mount.Source, 'Mount.Source');
  if (!target) throw badRequest(`${where} needs a Target`);
  const tmpfs = object(mount.TmpfsOptions, `${where}.TmpfsOptions`);
  refuseUnknown(tmpfs, `${where}.TmpfsOptions`, ['SizeBytes', 'Mode']);
  const size = amount(tmpfs.SizeBytes, `${where}.TmpfsOptions.SizeBytes`);
  const mode = amount(tmpfs.Mode, `${where}.TmpfsOptions.Mode`);
  const volume = object(mount.VolumeOptions, `${where}.VolumeOptions`);
  refuseUnknown(volume, `${where}.VolumeOptions`, ['DriverConfig', 'Labels']);
  const driver = object(volume.DriverConfig, `${where}.VolumeOptions.DriverConfig`);
  const driverName = string(driver.Name, `${where}.VolumeOptions.DriverConfig.Name`);
  const driverOptions = Object.entries(object(driver.Options, `${where}.VolumeOptions.DriverConfig.Options`)).map(([key, option]) => `volume-opt=${key}=${string(option, `DriverConfig.Options[${key}]`) ?? ''}`);
  const parts = [
    `type=${type}`,
    ...(source ? [`source=${source}`] : []),
    `target=${target}`,
    ...(boolean(mount.ReadOnly, 'Mount.ReadOnly') ? ['readonly'] : []),
    ...(size ? [`tmpfs-size=${size}`] : []),
    ...(mode ? [`tmpfs-mode=${Number(mode).toString(8)}`] : []),
    ...(driverName ? [`volume-driver=${driverName}`] : []),
    ...driverOptions,
  ];
  if (parts.some((part) => part.includes(','))) throw badRequest(`${where}: a value containing ',' is not supported`);
  return parts.join(',');
}

/** PortBindings (`{"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}`) as -p specs. */
function publishFlags(bindings: Json): string[] {
  const specs: string[] = [];
  for (const [port, list] of Object.entries(bindings)) {
    if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(port)) throw badRequest(`invalid port specification: "${port}"`);
    const entries = list === null ? [] : Array.isArray(list) ? list : [list];
    // docker: a port with no binding is exposed only.
    for (const [i, entry] of entries.entries()) {
      const binding = object(entry, `HostConfig.PortBindings[${port}][${i}]`);
      const ip = string(binding.HostIp, 'PortBinding.HostIp');
      const hostPort = string(binding.HostPort, 'PortBinding.HostPort') ?? '';
      if (ip?.includes(':')) throw badRequest(`HostConfig.PortBindings: IPv6 host address ${ip} is not supported by skiff yet`);
      specs.push(ip ? `${ip}:${hostPort}:${port}` : hostPort ? `${hostPort}:${port}` : port);
    }
  }
  return specs;
}

/** RestartPolicy as --restart's text (`on-failure:3`); absent or "no"/"" is none. */
function restartFlag(value: unknown): string | undefined {
  const policy = object(value, 'HostConfig.RestartPolicy');
  const name = string(policy.Name, 'HostConfig.RestartPolicy.Name');
  const count = amount(policy.MaximumRetryCount, 'HostConfig.RestartPolicy.MaximumRetryCount');
  if (name === undefined) return undefined;
  return count === undefined ? name : `${name}:${count}`;
}

/** docker's Healthcheck (durations in nanoseconds) as skiff's. */
function healthcheck(value: unknown): Healthcheck | undefined {
  if (value === undefined || value === null) return undefined;
  const health = object(value, 'Healthcheck');
  const test = strings(health.Test, 'Healthcheck.Test') ?? [];
  if (test.length && !['NONE', 'CMD', 'CMD-SHELL'].includes(test[0]!)) throw badRequest(`Healthcheck.Test must start with NONE, CMD or CMD-SHELL, not ${JSON.stringify(test[0])}`);
  const ms = (field: string) => {
    const ns = amount(health[field], `Healthcheck.${field}`);
    if (ns === undefined) return undefined;
    if (Number(ns) < 1_000_000) throw badRequest(`Healthcheck.${field} cannot be less than 1ms`);
    return Math.round(Number(ns) / 1e6);
  };
  const retries = amount(health.Retries, 'Healthcheck.Retries');
  return { test, intervalMs: ms('Interval'), timeoutMs: ms('Timeout'), startPeriodMs: ms('StartPeriod'), retries: retries === undefined ? undefined : Number(retries) };
}

/** NetworkingConfig.EndpointsConfig: the aliases on the container's one network; a second network is refused. */
function networkAliases(value: unknown, mode: string | undefined): string[] {
  const endpoints = object(object(value, 'NetworkingConfig').EndpointsConfig, 'NetworkingConfig.EndpointsConfig');
  const names = Object.keys(endpoints);
  if (names.length > 1) throw badRequest('NetworkingConfig: a container can be connected to one network at create; connect the others with POST /networks/{id}/connect');
  const [name] = names;
  if (name === undefined) return [];
  if (name !== 'default' && name !== (mode ?? 'default') && !(mode === undefined && name === 'bridge')) {
    throw badRequest(`NetworkingConfig names network ${JSON.stringify(name)} but HostConfig.NetworkMode is ${JSON.stringify(mode ?? 'default')}`);
  }
  const endpoint = object(endpoints[name], `NetworkingConfig.EndpointsConfig[${name}]`);
  refuseUnknown(endpoint, `NetworkingConfig.EndpointsConfig[${name}]`, ['Aliases', 'DNSNames', 'NetworkID', 'EndpointID', 'Gateway', 'IPAddress', 'IPPrefixLen', 'IPv6Gateway', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen', 'GwPriority', 'Links']);
  return strings(endpoint.Aliases, `NetworkingConfig.EndpointsConfig[${name}].Aliases`) ?? [];
}

/** docker's zero values: what a client sends for a field it was not asked to set. */
function isZero(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.every(isZero);
  if (typeof value === 'object') return Object.values(value).every(isZero);
  return false;
}

/** A 400 for the first key outside `handled` that holds more than docker's zero value (docker's message shape). */
function refuseUnknown(body: Json, where: string, handled: string[]): void {
  for (const [key, value] of Object.entries(body)) {
    if (handled.includes(key) || isZero(value)) continue;
    throw badRequest(`${where}.${key} is not supported by skiff (got ${JSON.stringify(value).slice(0, 80)})`);
  }
}

/** Config keys mapped below, or that only the client acts on (attach choices, build-time fields). */
const CONFIG_KEYS = ['Image', 'Cmd', 'Entrypoint', 'Env', 'WorkingDir', 'User', 'Tty', 'OpenStdin', 'StdinOnce', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'Hostname', 'Labels', 'Healthcheck', 'StopSignal', 'StopTimeout', 'ExposedPorts', 'Volumes', 'ArgsEscaped', 'HostConfig', 'NetworkingConfig', 'OnBuild', 'Shell',
  // dockerode leaves its `name` option (sent as the query's name) in the body too
  'name'];
const HOST_KEYS = [
  'Binds', 'Mounts', 'AutoRemove', 'Init', 'NetworkMode', 'PortBindings', 'PublishAllPorts', 'RestartPolicy', 'Memory', 'MemorySwap', 'NanoCpus', 'CpuShares',
  'CpusetCpus', 'CpusetMems', 'PidsLimit', 'CgroupParent', 'Privileged', 'CapAdd', 'CapDrop', 'SecurityOpt', 'ReadonlyRootfs', 'Tmpfs', 'Devices', 'Dns', 'DnsSearch',
  'DnsOptions', 'ExtraHosts', 'Sysctls', 'Ulimits', 'ShmSize', 'GroupAdd', 'PidMode', 'IpcMode', 'OomKillDisable', 'VolumeDriver', 'VolumesFrom', 'LogConfig',
  // the client's own: where it wrote the id, its terminal size
  'ContainerIDFile', 'ConsoleSize',
  // docker's "unset" for these is not zero
  'MemorySwappiness', 'Isolation',
];

export function parseCreateBody(body: Json, name: string | undefined): CreateRequest {
  const image = string(body.Image, 'Image');
  if (!image) throw badRequest('Config.Image is required');
  const host = object(body.HostConfig, 'HostConfig');
  refuseUnknown(body, 'Config', CONFIG_KEYS);
  refuseUnknown(host, 'HostConfig', HOST_KEYS);
  if (host.MemorySwappiness !== undefined && host.MemorySwappiness !== null && host.MemorySwappiness !== -1) throw badRequest('HostConfig.MemorySwappiness is not supported by skiff');
  if (![undefined, null, '', 'default'].includes(host.Isolation as string)) throw badRequest(`HostConfig.Isolation ${JSON.stringify(host.Isolation)} is not supported on Linux`);
  const warnings: string[] = [];
  const labels = Object.entries(object(body.Labels, 'Labels')).map(([key, value]) => `${key}=${string(value, `Labels[${key}]`) ?? ''}`);
  const publish = publishFlags(object(host.PortBindings, 'HostConfig.PortBindings'));
  const exposed = Object.keys(object(body.ExposedPorts, 'ExposedPorts'));
  const publishAll = boolean(host.PublishAllPorts, 'HostConfig.PublishAllPorts');
  const bound = Object.keys(object(host.PortBindings, 'HostConfig.PortBindings'));
  // --expose: published by -P (each on a free host port); without -P docker only records it.
  const extraExposed = exposed.filter((port) => !bound.includes(port));
  if (publishAll) publish.push(...publishFlags(Object.fromEntries(extraExposed.map((port) => [port, [{}]]))));
  else if (extraExposed.length) warnings.push(`ExposedPorts ${extraExposed.join(', ')} are not published (without -P skiff does not record them)`);
  const logConfig = object(host.LogConfig, 'HostConfig.LogConfig');
  const logType = string(logConfig.Type, 'HostConfig.LogConfig.Type');
  if (logType !== undefined && !['json-file', 'local'].includes(logType)) throw badRequest(`HostConfig.LogConfig.Type ${JSON.stringify(logType)} is not supported by skiff (its log is a local file)`);
  const logOpt = Object.entries(object(logConfig.Config, 'HostConfig.LogConfig.Config')).map(([key, value]) => `${key}=${string(value, `LogConfig.Config[${key}]`) ?? ''}`);
  const nanoCpus = amount(host.NanoCpus, 'HostConfig.NanoCpus');
  const tmpfs = Object.entries(object(host.Tmpfs, 'HostConfig.Tmpfs')).map(([path, options]) => (string(options, `HostConfig.Tmpfs[${path}]`) ? `${path}:${options as string}` : path));
  const devices = (Array.isArray(host.Devices) ? host.Devices : []).map((value, i) => {
    const device = object(value, `HostConfig.Devices[${i}]`);
    const from = string(device.PathOnHost, 'Device.PathOnHost') ?? '';
    return [from, string(device.PathInContainer, 'Device.PathInContainer') ?? from, string(device.CgroupPermissions, 'Device.CgroupPermissions') ?? 'rwm'].join(':');
  });
  const ulimits = (Array.isArray(host.Ulimits) ? host.Ulimits : []).map((value, i) => {
    const limit = object(value, `HostConfig.Ulimits[${i}]`);
    const number = (field: string) => {
      if (typeof limit[field] !== 'number' || !Number.isSafeInteger(limit[field])) throw badRequest(`HostConfig.Ulimits[${i}].${field} must be a whole number`);
      return limit[field] as number;
    };
    return `${string(limit.Name, `HostConfig.Ulimits[${i}].Name`) ?? ''}=${number('Soft')}:${number('Hard')}`;
  });
  const sysctls = Object.entries(object(host.Sysctls, 'HostConfig.Sysctls')).map(([key, value]) => `${key}=${string(value, `HostConfig.Sysctls[${key}]`) ?? ''}`);
  const stopTimeout = body.StopTimeout === undefined || body.StopTimeout === null ? undefined : body.StopTimeout;
  if (stopTimeout !== undefined && (typeof stopTimeout !== 'number' || !Number.isSafeInteger(stopTimeout))) throw badRequest('StopTimeout must be a whole number of seconds');
  const mode = network(string(host.NetworkMode, 'HostConfig.NetworkMode'));
  const aliases = networkAliases(body.NetworkingConfig, mode);
  const entrypoint = strings(body.Entrypoint, 'Entrypoint');
  const flags: RunFlags = {
    name,
    interactive: boolean(body.OpenStdin, 'OpenStdin'),
    tty: boolean(body.Tty, 'Tty'),
    rm: boolean(host.AutoRemove, 'HostConfig.AutoRemove'),
    init: boolean(host.Init, 'HostConfig.Init'),
    workdir: string(body.WorkingDir, 'WorkingDir'),
    hostname: string(body.Hostname, 'Hostname'),
    user: string(body.User, 'User'),
    // Config.Volumes: anonymous volumes (`-v /data`).
    volume: [...(strings(host.Binds, 'HostConfig.Binds') ?? []), ...Object.keys(object(body.Volumes, 'Volumes'))],
    mount: (Array.isArray(host.Mounts) ? host.Mounts : []).map(mountFlag),
    volumeDriver: string(host.VolumeDriver, 'HostConfig.VolumeDriver'),
    volumesFrom: strings(host.VolumesFrom, 'HostConfig.VolumesFrom'),
    network: mode,
    networkAlias: aliases,
    publish,
    publishAll,
    dns: strings(host.Dns, 'HostConfig.Dns'),
    dnsSearch: strings(host.DnsSearch, 'HostConfig.DnsSearch'),
    dnsOption: strings(host.DnsOptions, 'HostConfig.DnsOptions'),
    // docker's ExtraHosts are NAME:IP, as --add-host.
    addHost: strings(host.ExtraHosts, 'HostConfig.ExtraHosts'),
    restart: restartFlag(host.RestartPolicy),
    label: labels,
    memory: amount(host.Memory, 'HostConfig.Memory'),
    memorySwap: amount(host.MemorySwap, 'HostConfig.MemorySwap', true),
    cpus: nanoCpus === undefined ? undefined : String(Number(nanoCpus) / 1e9),
    cpuShares: amount(host.CpuShares, 'HostConfig.CpuShares'),
    cpusetCpus: string(host.CpusetCpus, 'HostConfig.CpusetCpus'),
    cpusetMems: string(host.CpusetMems, 'HostConfig.CpusetMems'),
    pidsLimit: amount(host.PidsLimit, 'HostConfig.PidsLimit', true),
    cgroupParent: string(host.CgroupParent, 'HostConfig.CgroupParent'),
    oomKillDisable: boolean(host.OomKillDisable, 'HostConfig.OomKillDisable') || undefined,
    privileged: boolean(host.Privileged, 'HostConfig.Privileged'),
    capAdd: strings(host.CapAdd, 'HostConfig.CapAdd'),
    capDrop: strings(host.CapDrop, 'HostConfig.CapDrop'),
    securityOpt: strings(host.SecurityOpt, 'HostConfig.SecurityOpt'),
    readOnly: boolean(host.ReadonlyRootfs, 'HostConfig.ReadonlyRootfs'),
    tmpfs,
    device: devices,
    ...(sysctls.length ? { sysctl: sysctls } : {}),
    ...(ulimits.length ? { ulimit: ulimits } : {}),
    shmSize: amount(host.ShmSize, 'HostConfig.ShmSize'),
    groupAdd: strings(host.GroupAdd, 'HostConfig.GroupAdd'),
    pid: string(host.PidMode, 'HostConfig.PidMode'),
    ipc: string(host.IpcMode, 'HostConfig.IpcMode'),
    stopSignal: string(body.StopSignal, 'StopSignal'),
    stopTimeout: stopTimeout === undefined ? undefined : String(stopTimeout),
    logOpt,
    pull: 'never',
  };
  return {
    image,
    args: strings(body.Cmd, 'Cmd') ?? [],
    flags,
    // docker: an Entrypoint of [""] clears the image's.
    entrypoint: entrypoint && entrypoint.length === 1 && entrypoint[0] === '' ? [] : entrypoint,
    env: environment(strings(body.Env, 'Env') ?? []),
    healthcheck: healthcheck(body.Healthcheck),
    warnings,
  };
}

/** The typed options: the flags through the CLI's parser, then what the flags cannot carry. */
export function toCreateOptions(request: CreateRequest, parse: (image: string, args: string[], flags: RunFlags) => CreateOptions): CreateOptions {
  const options = parse(request.image, request.args, request.flags);
  return {
    ...options,
    env: request.env,
    ...(request.entrypoint ? { entrypoint: request.entrypoint } : {}),
    ...(request.healthcheck ? { healthcheck: request.healthcheck } : {}),
  };
}
