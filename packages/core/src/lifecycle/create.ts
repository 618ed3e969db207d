import { hostname as osHostname } from 'node:os';
import { healthcheckOf } from './health.js';
import { checkedLimits } from './limits.js';
import { namespaceModes } from './namespaces.js';
import { SkiffError, checkVolumeName, invalidArgument, providesNamedVolumes } from '@skiff/plugin';
import { DEFAULT_NAMED_DRIVER, isVolumeSpec, namedVolumeEntry, volumeStore, withContainerVolumes } from './named-volumes.js';
import { newId, randomName, shortId } from '../ids.js';
import type { ContainerConfig, ContainerRecord } from '../state/record.js';
import { storageDriver, volumeDriver, type Host } from './host.js';
import type { AttachStream, CreateOptions, RunOptions } from './options.js';
import { trace } from './trace.js';
import { containerArgs } from './image.js';
import { parseSignal } from './signal.js';
import { imageUser, userHome } from './user.js';
import { mergeEnv, validateContainerPath, validateEnv, validateHostname, validateLogRotation, validateWorkdir } from './validate.js';
import { imageRoot, resolveSecurity } from './security.js';
import { thisStarter } from './starting.js';
import { resolveNetworking } from './network.js';
import { exposedKeys, exposedPorts, exposeKeys } from './exposed.js';
import { kernelOptions } from './kernel-options.js';
import { checkCgroupPath } from '@skiff/cgroups';

export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;
/** Rotated files kept besides the current log (docker's max-file 3). */
export const DEFAULT_LOG_KEEP = 2;

/**
 * Validates everything and writes a `created` container record (with `made.starting`, marked as being started
 * by this process: see starting.ts). Bad input throws before anything exists on
 * disk; drivers that cannot run here are refused here too.
 */
export async function createContainer(host: Host, options: CreateOptions & Pick<RunOptions, 'detach'>, made: { starting?: boolean } = {}): Promise<ContainerRecord> {
  const image = await host.images.resolve(options.image);
  const storage = await storageDriver(host, options.storageDriver);
  const volumes: ContainerConfig['volumes'] = [];
  const targets = new Set<string>();
  const createOptions = new Map<string, Record<string, string>>();
  for (const volume of options.volumes ?? []) {
    const target = validateContainerPath(volume.target, 'volume target');
    if (target === '/') throw invalidArgument("invalid volume target \"/\": cannot mount a volume over the container's root");
    if (targets.has(target)) throw invalidArgument(`duplicate mount point: ${target}`);
    targets.add(target);
    if (isVolumeSpec(volume)) {
      if (volume.source !== '') checkVolumeName(volume.source);
      // docker: an existing volume named without a driver is used with its own driver.
      const existing = volume.driver ?? options.volumeDriver ?? (volume.source !== '' ? volumeStore(host).record(volume.source)?.driver : undefined);
      const driver = await volumeDriver(host, existing ?? DEFAULT_NAMED_DRIVER);
      if (providesNamedVolumes(driver)) {
        volumes.push(namedVolumeEntry({ ...volume, driver: driver.name }, target, createOptions));
        continue;
      }
      // A v1 driver that takes names itself (the tmpfs example plugin): as before, no volume record.
      if (volume.source === '') throw invalidArgument(`volume driver "${driver.name}" cannot make anonymous volumes; use the local driver`);
      volumes.push({ ...volume, target, driver: driver.name });
      continue;
    }
    const driver = await volumeDriver(host, volume.driver ?? options.volumeDriver);
    volumes.push({ ...volume, target, driver: driver.name });
  }
  for (const from of options.volumesFrom ?? []) {
    const source = await host.store.resolve(from.container);
    for (const volume of source.config.volumes) {
      if (targets.has(volume.target)) continue;
      targets.add(volume.target);
      volumes.push({ ...volume, options: { ...volume.options }, readOnly: from.readOnly ?? volume.readOnly });
    }
  }
  const id = newId();
  const args = containerArgs(image.config, options.args, options.entrypoint);
  if (!args.length) throw invalidArgument(`no command given and image "${image.name}" has no default command`);
  const exposed = exposedKeys(image.config.exposedPorts, (options.expose ?? []).flatMap(exposeKeys));
  const { mode, networking } = await resolveNetworking(host, options, exposedPorts(exposed));
  const kernel = kernelOptions(options, options.hostname !== undefined);
  // docker: with the host's network (or UTS namespace), the host's name.
  const hostname = validateHostname(options.hostname ?? (mode === 'host' || kernel.utsMode ? osHostname() : shortId(id)));
  const published = (networking.publish ?? []).map((port) => `${port.containerPort}/${port.protocol}`);
  const security = await resolveSecurity({ ...options, user: options.user ?? imageUser(image.config.user) }, image.layers);
  const config: ContainerConfig = {
    image: image.name,
    layers: image.layers,
    args,
    // docker's order: the image's, then HOSTNAME, HOME (and TERM with -t) unless set, then -e.
    env: mergeEnv(image.config.env, {
      ...defaultEnv(image.config.env, hostname, await userHome(await imageRoot(image.layers), security.user?.uid ?? 0), options.tty ?? false),
      ...validateEnv(options.env ?? {}),
    }),
    configEnv: mergeEnv(image.config.env, validateEnv(options.env ?? {})),
    workdir: validateWorkdir(options.workdir ?? image.config.workingDir ?? '/'),
    hostname,
    tty: options.tty ?? false,
    interactive: options.interactive ?? false,
    attach: attachedStreams(options),
    network: mode,
    networking,
    storageDriver: storage.name,
    volumes,
    autoRemove: options.autoRemove ?? false,
    init: options.init ?? false,
    resources: options.resources ?? {},
    // Checked now, not at the first start: a bad parent ("../x") must leave no container behind.
    cgroupParent: checkedCgroupParent(options.cgroupParent ?? 'skiff', id),
    ...validateLogRotation(options.logMaxBytes ?? DEFAULT_LOG_MAX_BYTES, options.logKeep ?? DEFAULT_LOG_KEEP),
    security,
    ...(image.config.stopSignal ? { stopSignal: parseSignal(image.config.stopSignal) } : {}),
    ...restartPolicyOf(options),
    ...(await namespaceModes(host, options)),
    ...checkedLimits(options),
    ...healthcheckOf(options.healthcheck, image.config.healthcheck),
    ...(options.stopSignal ? { stopSignal: options.stopSignal } : {}),
    ...(options.stopTimeout === undefined ? {} : { stopTimeout: options.stopTimeout }),
    labels: { ...image.config.labels, ...options.labels },
    ...kernel,
    ...(exposed.length || published.length ? { exposedPorts: exposedKeys(exposed, published) } : {}),
  };
  // The image's Volumes: an anonymous volume (filled from the image) at each path nothing else is mounted on.
  const tmpfsTargets = new Set(config.security.tmpfs.map((mount) => mount.target));
  for (const path of image.config.volumes ?? []) {
    const target = validateContainerPath(path, 'image volume');
    if (target === '/' || targets.has(target) || tmpfsTargets.has(target)) continue;
    targets.add(target);
    config.volumes.push(namedVolumeEntry({ source: '', target, readOnly: false, options: {} }, target, createOptions));
  }
  for (const mount of config.security.tmpfs) {
    if (targets.has(mount.target)) throw invalidArgument(`duplicate mount point: ${mount.target}`);
    targets.add(mount.target);
  }
  const record: ContainerRecord = {
    id,
    name: options.name ?? randomName(),
    created: new Date().toISOString(),
    status: 'created',
    config,
    ...(made.starting ? { starting: thisStarter() } : {}),
  };
  // Named volumes are created (or found) and the record written under their locks: `volume rm` racing this
  // either sees the record (in use) or removed the volume before we created it again.
  const hold = host.images.holdLayers?.bind(host.images) ?? (<T>(_layers: string[], action: () => Promise<T>) => action());
  await withContainerVolumes(host, config, createOptions, () => hold(config.layers, async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        await host.store.create(record);
        break;
      } catch (error) {
        // A random name that collides gets another; a name the user chose is theirs to change.
        if (options.name !== undefined || attempt > 5 || !SkiffError.is(error, 'ALREADY_EXISTS')) throw error;
        record.name = randomName();
      }
    }
  }));
  trace('created');
  return record;
}

function checkedCgroupParent(parent: string, id: string): string {
  checkCgroupPath(id, parent);
  return parent;
}

/** What docker adds to every container's environment (the image's own HOME or TERM wins; -e wins over all). */
function defaultEnv(imageEnv: string[], hostname: string, home: string, tty: boolean): Record<string, string> {
  const has = (name: string) => imageEnv.some((entry) => entry.startsWith(`${name}=`));
  return {
    HOSTNAME: hostname,
    ...(has('HOME') ? {} : { HOME: home }),
    ...(tty && !has('TERM') ? { TERM: 'xterm' } : {}),
  };
}

/** --restart, checked as docker checks it. */
function restartPolicyOf(options: CreateOptions): Pick<ContainerConfig, 'restartPolicy'> {
  const policy = options.restartPolicy;
  if (!policy || policy.name === 'no') return {};
  if (!['on-failure', 'always', 'unless-stopped'].includes(policy.name)) throw invalidArgument(`invalid restart policy "${policy.name}"`);
  if (options.autoRemove) throw invalidArgument('Conflicting options: --restart and --rm');
  const max = policy.maximumRetryCount;
  if (!Number.isInteger(max) || max < 0 || max > 1_000_000) throw invalidArgument(`invalid restart policy: maximum retry count must be an integer from 0 to 1000000, not ${max}`);
  if (max && policy.name !== 'on-failure') throw invalidArgument(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  return { restartPolicy: { name: policy.name, maximumRetryCount: max } };
}

/** docker's Config.Attach*: the -a streams, or stdout and stderr; stdin with -i; none for a detached run. */
function attachedStreams(options: CreateOptions & Pick<RunOptions, 'detach'>): AttachStream[] {
  if (options.detach) return [];
  const named = options.attach?.length ? options.attach : ['stdout', 'stderr'];
  return (['stdin', 'stdout', 'stderr'] as const).filter((stream) => named.includes(stream) || (stream === 'stdin' && options.interactive));
}
