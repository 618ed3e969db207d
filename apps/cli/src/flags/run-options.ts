import type { RunOptions } from '@skiff/core';
import type { RunFlags as DockerRunFlags } from '@skiff/docker-api';
import { parseAddHost, parsePublish } from '@skiff/network';
import { parseEnv } from './env.js';
import { parseLabels, readKeyValueFile } from './env-file.js';
import { parseSignal } from './signal.js';
import { parseSeconds } from './seconds.js';
import { parseLogOptions } from './log-opt.js';
import { resourcesFromFlags, type ResourceFlags } from './resources.js';
import { parseCapabilities, parseDevice, parseSecurityOpt, parseTmpfs, parseUser } from './security.js';
import { parseMount, parseVolumeSpec, parseVolumesFrom } from './volumes.js';
import { parseRestart } from './restart.js';
import { healthFromFlags, type HealthFlags } from './health.js';
import { parseShmSize, parseSysctls, parseUlimit } from './limits.js';
import { blkioFromFlags, type BlkioFlags } from './blkio.js';
import { checkHostOnlyFlags, type HostOnlyFlags } from './host-only.js';
import { parseLink, parseOomScoreAdj, parseAnnotations } from './kernel.js';

/** The resource flags the Docker API body does not carry (parsed by resources.ts with the others). */
type MoreResourceFlags = Pick<ResourceFlags, 'cpuPeriod' | 'cpuQuota' | 'memoryReservation' | 'memorySwappiness' | 'cpuRtPeriod' | 'cpuRtRuntime'>;

/**
 * `run` and `create` flags as commander hands them over: strings, as typed. Those a Docker API create body
 * carries are declared once, with the API service (which feeds them to this parser); only the rest are here.
 */
export interface RunFlags extends DockerRunFlags, HealthFlags, BlkioFlags, HostOnlyFlags, MoreResourceFlags {
  detach?: boolean;
  storageDriver?: string;
  platform?: string;
  envFile?: string[];
  labelFile?: string[];
  cidfile?: string;
  oomScoreAdj?: string;
  uts?: string;
  cgroupns?: string;
  domainname?: string;
  annotation?: string[];
  expose?: string[];
  deviceCgroupRule?: string[];
  disableContentTrust?: boolean;
  quiet?: boolean;
  ip?: string;
  ip6?: string;
  macAddress?: string;
  link?: string[];
  linkLocalIp?: string[];
}

/** Parses every flag into the runtime's typed options; any bad value throws before anything is created. */
export function toRunOptions(image: string, command: string[], flags: RunFlags): RunOptions {
  const mounts = (flags.mount ?? []).map(parseMount);
  checkHostOnlyFlags(flags);
  const blkio = blkioFromFlags(flags);
  return {
    image,
    args: command,
    // docker: --entrypoint takes one word; '' clears the image's entrypoint.
    ...(flags.entrypoint === undefined ? {} : { entrypoint: flags.entrypoint === '' ? [] : [flags.entrypoint] }),
    name: flags.name,
    env: parseEnv([...(flags.envFile ?? []).flatMap((file) => readKeyValueFile(file, '--env-file', process.env)), ...(flags.env ?? [])], process.env),
    labels: parseLabels(flags.labelFile ?? [], flags.label ?? []),
    ...(flags.stopSignal === undefined ? {} : { stopSignal: parseSignal(flags.stopSignal) }),
    ...(flags.stopTimeout === undefined ? {} : { stopTimeout: parseSeconds(flags.stopTimeout) }),
    workdir: flags.workdir,
    hostname: flags.hostname,
    volumes: [...(flags.volume ?? []).map(parseVolumeSpec), ...mounts.flatMap((m) => ('volume' in m ? [m.volume] : []))],
    volumeDriver: flags.volumeDriver,
    ...(flags.volumesFrom?.length ? { volumesFrom: flags.volumesFrom.map(parseVolumesFrom) } : {}),
    storageDriver: flags.storageDriver,
    network: flags.network,
    publish: (flags.publish ?? []).flatMap(parsePublish),
    publishAll: flags.publishAll ?? false,
    networkAliases: flags.networkAlias ?? [],
    dns: flags.dns ?? [],
    dnsSearch: flags.dnsSearch ?? [],
    dnsOptions: flags.dnsOption ?? [],
    addHosts: (flags.addHost ?? []).map(parseAddHost),
    ...(flags.ip ? { ip: flags.ip } : {}),
    ...(flags.ip6 ? { ip6: flags.ip6 } : {}),
    ...(flags.macAddress ? { macAddress: flags.macAddress } : {}),
    ...(flags.link ? { links: flags.link.map(parseLink) } : {}),
    ...(flags.linkLocalIp ? { linkLocalIps: flags.linkLocalIp } : {}),
    tty: flags.tty ?? false,
    interactive: flags.interactive ?? false,
    autoRemove: flags.rm ?? false,
    init: flags.init ?? false,
    resources: { ...resourcesFromFlags(flags), ...(flags.oomKillDisable ? { oomKillDisable: true } : {}), ...(blkio ? { blkio } : {}) },
    ...(flags.cpuPeriod || flags.cpuQuota ? { cfsGiven: true } : {}),
    cgroupParent: flags.cgroupParent ?? process.env.SKIFF_CGROUP_PARENT ?? 'skiff',
    ...parseLogOptions(flags.logOpt ?? []),
    privileged: flags.privileged ?? false,
    capAdd: parseCapabilities(flags.capAdd ?? [], '--cap-add'),
    capDrop: parseCapabilities(flags.capDrop ?? [], '--cap-drop'),
    securityOpt: parseSecurityOpt(flags.securityOpt ?? []),
    readOnly: flags.readOnly ?? false,
    tmpfs: [...(flags.tmpfs ?? []).map(parseTmpfs), ...mounts.flatMap((m) => ('tmpfs' in m ? [m.tmpfs] : []))],
    user: flags.user === undefined ? undefined : parseUser(flags.user),
    devices: (flags.device ?? []).map(parseDevice),
    ...(flags.restart === undefined ? {} : { restartPolicy: parseRestart(flags.restart) }),
    ...(healthFromFlags(flags) ? { healthcheck: healthFromFlags(flags) } : {}),
    ...(flags.sysctl ? { sysctls: parseSysctls(flags.sysctl) } : {}),
    ...(flags.ulimit ? { ulimits: flags.ulimit.map(parseUlimit) } : {}),
    ...(flags.shmSize === undefined ? {} : { shmSizeBytes: parseShmSize(flags.shmSize) }),
    ...(flags.groupAdd ? { groupAdd: flags.groupAdd } : {}),
    ...(flags.pid === undefined ? {} : { pid: flags.pid }),
    ...(flags.ipc === undefined ? {} : { ipc: flags.ipc }),
    ...(flags.uts === undefined ? {} : { uts: flags.uts }),
    ...(flags.cgroupns === undefined ? {} : { cgroupns: flags.cgroupns }),
    ...(flags.domainname === undefined ? {} : { domainname: flags.domainname }),
    ...(flags.oomScoreAdj === undefined ? {} : { oomScoreAdj: parseOomScoreAdj(flags.oomScoreAdj) }),
    ...(flags.annotation ? { annotations: parseAnnotations(flags.annotation) } : {}),
    ...(flags.expose ? { expose: flags.expose } : {}),
    ...(flags.deviceCgroupRule ? { deviceCgroupRules: flags.deviceCgroupRule } : {}),
  };
}
