import { SkiffError, invalidArgument, notFound, notSupported } from './errors.js';
import type { StorageDriver, StorageDriverFactory } from './storage.js';
import type { VolumeDriver, VolumeDriverFactory } from './volume.js';
import type { DriverContext, Support } from './driver-context.js';


export type DriverKind = 'storage' | 'volume';

interface RegistrationBase {
  /** Unique within its kind: what users type after `--storage-driver` / `--volume-driver`. */
  name: string;
  /** Higher wins when the user names no driver. Defaults to 0. */
  priority?: number;
}
export interface StorageRegistration extends RegistrationBase, StorageDriverFactory {
  kind: 'storage';
}
export interface VolumeRegistration extends RegistrationBase, VolumeDriverFactory {
  kind: 'volume';
}
export type Registration = StorageRegistration | VolumeRegistration;

type DriverOf<K extends DriverKind> = K extends 'storage' ? StorageDriver : VolumeDriver;
type RegistrationOf<K extends DriverKind> = K extends 'storage' ? StorageRegistration : VolumeRegistration;

const NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * Plain-data driver registry, after containerd's Registration{Type, ID, InitFn}. Nothing registers itself on
 * import: the CLI registers its builtins, then the plugins the user named.
 */
export class DriverRegistry {
  readonly #entries = new Map<string, Registration>();
  /** Which plugin registered an entry, by kind/name (absent: registered by skiff itself). */
  readonly #plugins = new Map<string, string>();
  /** Drivers found supported, by kind/name/root: a host does not lose a filesystem while skiff runs. */
  readonly #supported = new Set<string>();

  /** Adds a driver; `options.plugin` names the plugin package it came from, for error messages. */
  register(registration: Registration, options: { plugin?: string } = {}): void {
    if (registration.kind !== 'storage' && registration.kind !== 'volume') {
      throw invalidArgument(`driver registration has unknown kind ${JSON.stringify((registration as Registration).kind)}`);
    }
    if (!registration.name || !NAME.test(registration.name)) {
      throw invalidArgument(
        `${registration.kind} driver name ${JSON.stringify(registration.name)} is invalid: use lowercase letters, digits, '.', '_' or '-'`,
      );
    }
    const key = `${registration.kind}/${registration.name}`;
    if (this.#entries.has(key)) {
      throw new SkiffError('ALREADY_EXISTS', `${registration.kind} driver "${registration.name}" is registered twice`);
    }
    this.#entries.set(key, registration);
    if (options.plugin !== undefined) this.#plugins.set(key, options.plugin);
  }

  /** Registered names of a kind, highest priority first. */
  names(kind: DriverKind): string[] {
    return this.#list(kind).map((entry) => entry.name);
  }

  get<K extends DriverKind>(kind: K, name: string): RegistrationOf<K> {
    const entry = this.#entries.get(`${kind}/${name}`);
    if (!entry) {
      throw notFound(`unknown ${kind} driver "${name}"; available: ${this.names(kind).join(', ') || 'none'}`);
    }
    return entry as RegistrationOf<K>;
  }

  /**
   * The driver to use: the one named, or else the supported one of highest priority. A named driver this host
   * cannot run is a NOT_SUPPORTED error that says why and which drivers can run.
   */
  async resolve<K extends DriverKind>(kind: K, name: string | undefined, context: (name: string) => DriverContext): Promise<DriverOf<K>> {
    if (name !== undefined) {
      const entry = this.get(kind, name);
      const support = await this.#probe(entry, context(name));
      if (!support.supported) {
        const usable = await this.supported(kind, context);
        throw notSupported(`${kind} driver "${name}" cannot run here: ${support.reason}`, {
          hint: `available ${kind} drivers: ${usable.join(', ') || 'none'}`,
        });
      }
      return this.#create(entry, context(name)) as DriverOf<K>;
    }
    for (const entry of this.#list(kind)) {
      if ((await this.#probe(entry, context(entry.name))).supported) return this.#create(entry, context(entry.name)) as DriverOf<K>;
    }
    throw notSupported(`no ${kind} driver can run on this host`);
  }

  /** Names of the drivers of a kind this host can run, highest priority first. */
  async supported(kind: DriverKind, context: (name: string) => DriverContext): Promise<string[]> {
    const result: string[] = [];
    for (const entry of this.#list(kind)) {
      if ((await this.#probe(entry, context(entry.name))).supported) result.push(entry.name);
    }
    return result;
  }

  /** The driver's own probe, asked once per root while the answer is yes (a no may change: modprobe). */
  async #probe(entry: Registration, context: DriverContext): Promise<Support> {
    const key = `${entry.kind}/${entry.name}/${context.root}`;
    if (this.#supported.has(key)) return { supported: true };
    const support = await entry.probe(context);
    if (support.supported) this.#supported.add(key);
    return support;
  }

  /**
   * The factory's driver, after checking it speaks a contract version this skiff knows: a driver written for
   * another version would be called with the wrong shapes, so it is refused up front, naming where it came from.
   */
  #create(entry: Registration, context: DriverContext): StorageDriver | VolumeDriver {
    const driver = entry.create(context);
    const version = (driver as Partial<StorageDriver | VolumeDriver> | undefined)?.specificationVersion;
    // Volume drivers speak v1 (host paths) or v2 (v1 plus named volumes); storage drivers v1.
    const known = entry.kind === 'volume' ? ['v1', 'v2'] : ['v1'];
    if (!known.includes(version as string)) {
      const plugin = this.#plugins.get(`${entry.kind}/${entry.name}`);
      const origin = plugin === undefined ? 'built into skiff' : `from plugin "${plugin}"`;
      throw notSupported(
        `${entry.kind} driver "${entry.name}" (${origin}) implements specificationVersion ${JSON.stringify(version)}; this skiff supports ${known.map((v) => `"${v}"`).join(' or ')}`,
        { hint: plugin === undefined ? undefined : `install a version of ${plugin} made for skiff's plugin contract v1` },
      );
    }
    return driver;
  }

  #list(kind: DriverKind): Registration[] {
    return [...this.#entries.values()]
      .filter((entry) => entry.kind === kind)
      .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
  }
}
