/**
 * A container create body (docker's Config with HostConfig inside) into docker run's flags, which the `skiff`
 * command's own parser then checks and types: a bind in HostConfig.Binds meets the checks of `-v`, a capability
 * those of `--cap-add`. What skiff cannot do (port publishing, restart policies, other networks) is refused with
 * a 400 naming the field, never silently dropped.
 */
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

function mountFlag(value: unknown, index: number): string {
  const mount = object(value, `HostConfig.Mounts[${index}]`);
  const type = string(mount.Type, 'Mount.Type') ?? 'volume';
  const target = string(mount.Target, 'Mount.Target');
  const source = string(mount.Source, 'Mount.Source');
  if (!target) throw badRequest(`HostConfig.Mounts[${index}] needs a Target`);
  const parts = [`type=${type}`, ...(source ? [`source=${source}`] : []), `target=${target}`, ...(boolean(mount.ReadOnly, 'Mount.ReadOnly') ? ['readonly'] : [])];
  if (parts.some((part) => part.includes(','))) throw badRequest(`HostConfig.Mounts[${index}]: a path containing ',' is not supported`);
  return parts.join(',');
}

export function parseCreateBody(body: Json, name: string | undefined): CreateRequest {
  const image = string(body.Image, 'Image');
  if (!image) throw badRequest('Config.Image is required');
  const host = object(body.HostConfig, 'HostConfig');
  const warnings: string[] = [];
  const labels = object(body.Labels, 'Labels');
  if (Object.keys(labels).length) warnings.push('labels are not kept by skiff yet; they were ignored');
  const ports = object(host.PortBindings, 'HostConfig.PortBindings');
  if (Object.keys(ports).length) throw badRequest('HostConfig.PortBindings: port publishing is not supported by skiff yet (use --network host)');
  const restart = string(object(host.RestartPolicy, 'HostConfig.RestartPolicy').Name, 'HostConfig.RestartPolicy.Name');
  if (restart !== undefined && restart !== 'no') throw badRequest(`HostConfig.RestartPolicy ${JSON.stringify(restart)} is not supported by skiff yet (only "no")`);
  const nanoCpus = amount(host.NanoCpus, 'HostConfig.NanoCpus');
  const tmpfs = Object.entries(object(host.Tmpfs, 'HostConfig.Tmpfs')).map(([path, options]) => (string(options, `HostConfig.Tmpfs[${path}]`) ? `${path}:${options as string}` : path));
  const devices = (Array.isArray(host.Devices) ? host.Devices : []).map((value, i) => {
    const device = object(value, `HostConfig.Devices[${i}]`);
    const from = string(device.PathOnHost, 'Device.PathOnHost') ?? '';
    return [from, string(device.PathInContainer, 'Device.PathInContainer') ?? from, string(device.CgroupPermissions, 'Device.CgroupPermissions') ?? 'rwm'].join(':');
  });
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
    volume: strings(host.Binds, 'HostConfig.Binds'),
    mount: (Array.isArray(host.Mounts) ? host.Mounts : []).map(mountFlag),
    network: network(string(host.NetworkMode, 'HostConfig.NetworkMode')),
    memory: amount(host.Memory, 'HostConfig.Memory'),
    memorySwap: amount(host.MemorySwap, 'HostConfig.MemorySwap', true),
    cpus: nanoCpus === undefined ? undefined : String(Number(nanoCpus) / 1e9),
    cpuShares: amount(host.CpuShares, 'HostConfig.CpuShares'),
    cpusetCpus: string(host.CpusetCpus, 'HostConfig.CpusetCpus'),
    cpusetMems: string(host.CpusetMems, 'HostConfig.CpusetMems'),
    pidsLimit: amount(host.PidsLimit, 'HostConfig.PidsLimit', true),
    cgroupParent: string(host.CgroupParent, 'HostConfig.CgroupParent'),
    privileged: boolean(host.Privileged, 'HostConfig.Privileged'),
    capAdd: strings(host.CapAdd, 'HostConfig.CapAdd'),
    capDrop: strings(host.CapDrop, 'HostConfig.CapDrop'),
    securityOpt: strings(host.SecurityOpt, 'HostConfig.SecurityOpt'),
    readOnly: boolean(host.ReadonlyRootfs, 'HostConfig.ReadonlyRootfs'),
    tmpfs,
    device: devices,
    pull: 'never',
  };
  return {
    image,
    args: strings(body.Cmd, 'Cmd') ?? [],
    flags,
    // docker: an Entrypoint of [""] clears the image's.
    entrypoint: entrypoint && entrypoint.length === 1 && entrypoint[0] === '' ? [] : entrypoint,
    env: environment(strings(body.Env, 'Env') ?? []),
    warnings,
  };
}

/** The typed options: the flags through the CLI's parser, then what the flags cannot carry. */
export function toCreateOptions(request: CreateRequest, parse: (image: string, args: string[], flags: RunFlags) => CreateOptions): CreateOptions {
  const options = parse(request.image, request.args, request.flags);
  return { ...options, env: request.env, ...(request.entrypoint ? { entrypoint: request.entrypoint } : {}) };
}
