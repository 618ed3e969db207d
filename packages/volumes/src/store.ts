/**
 * The named-volume store: which volumes exist, their driver, labels and whether they are anonymous. The data
 * belongs to the drivers (contract v2); this is the index over them, as docker's volume service is.
 *
 * On disk (`<state root>/volumes/.records`, 0700): NAME.json, written atomically after the driver created the
 * volume. Every change to a name holds the name's lock (kernel-released, so a killed holder frees it), which
 * makes concurrent creators of one name share one volume, and lets `remove` check "no container uses it" and
 * delete as one step against a `run` that takes the same lock while it records its container.
 * A process killed between the driver's create and the record leaves a driver volume without a record: the
 * next create of the name adopts it (drivers' create is idempotent), and `list` shows it (adopted on sight).
 */
import { readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  SkiffError,
  checkVolumeName,
  failedPrecondition,
  notFound,
  randomHex,
  withLock,
  writeJsonAtomic,
  type VolumeDriverV2,
  type VolumeInfo,
} from '@skiff/plugin';

export interface VolumeRecord {
  name: string;
  driver: string;
  labels: Record<string, string>;
  /** Made for `-v /path` (a random name): removed by `rm -v`, `--rm` and `volume prune` without -a. */
  anonymous: boolean;
  createdAt: string;
}

export interface VolumeStoreOptions {
  /** skiff's state root. */
  root: string;
  /** skiff's runtime root (locks). */
  runRoot: string;
  /** The v2 driver of that name; throws NOT_FOUND/NOT_SUPPORTED (or INVALID_ARGUMENT for a v1 driver). */
  driver(name: string): Promise<VolumeDriverV2>;
  /** Ids of the containers whose records reference volume `name` (docker's "in use"). */
  users(name: string): Promise<string[]>;
  /** The default driver for named volumes: 'local'. */
  defaultDriver?: string;
  /** Told of each volume made (`create`) or removed (`destroy`), for `skiff events`; must not throw. */
  onEvent?(action: 'create' | 'destroy', record: VolumeRecord): void;
}

export interface CreateVolume {
  /** Absent: an anonymous volume with a random 64-hex name. */
  name?: string | undefined;
  driver?: string | undefined;
  options?: Record<string, string>;
  labels?: Record<string, string>;
}

export class VolumeStore {
  readonly #options: VolumeStoreOptions;
  readonly #dir: string;

  constructor(options: VolumeStoreOptions) {
    this.#options = options;
    this.#dir = join(options.root, 'volumes', '.records');
  }

  get defaultDriver(): string {
    return this.#options.defaultDriver ?? 'local';
  }

  #file(name: string) {
    return join(this.#dir, `${checkVolumeName(name)}.json`);
  }

  /** Ids of the containers that reference volume `name` (docker's "in use"; none: the volume is dangling). */
  users(name: string): Promise<string[]> {
    return this.#options.users(checkVolumeName(name));
  }

  /** Runs `action` holding volume `name`'s lock (the one create, remove and a container's use take). */
  lock<T>(name: string, action: () => Promise<T>): Promise<T> {
    return withLock(join(this.#options.runRoot, 'locks', 'volume', checkVolumeName(name)), action, { what: `volume ${name}` });
  }

  /** The record of `name`, or undefined. */
  record(name: string): VolumeRecord | undefined {
    try {
      return JSON.parse(readFileSync(this.#file(name), 'utf8')) as VolumeRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /**
   * Creates the volume, or returns the existing one of that name (docker: not an error) when the driver is the
   * same; ALREADY_EXISTS when it has another driver. Call `createLocked` when already holding the name's lock.
   */
  async create(request: CreateVolume): Promise<{ record: VolumeRecord; info: VolumeInfo; created: boolean }> {
    const name = request.name === undefined ? randomHex(32) : checkVolumeName(request.name);
    return this.lock(name, () => this.createLocked({ ...request, name }, request.name === undefined));
  }

  async createLocked(request: CreateVolume & { name: string }, anonymous = false) {
    const name = checkVolumeName(request.name);
    const driverName = request.driver ?? this.#options.defaultDriver ?? 'local';
    const existing = this.record(name);
    if (existing) {
      if (request.driver !== undefined && existing.driver !== request.driver) {
        throw new SkiffError('ALREADY_EXISTS', `volume ${name} already exists with driver ${existing.driver}, not ${request.driver}`);
      }
      const info = await (await this.#options.driver(existing.driver)).inspect(name);
      if (info) return { record: existing, info, created: false };
      // The driver lost it (removed behind skiff's back): make it again below.
    }
    const driver = await this.#options.driver(driverName);
    const before = existing ? undefined : await driver.inspect(name); // a killed create's volume: adopted
    const info = await driver.create({ name, options: request.options ?? {} });
    const record: VolumeRecord = {
      name,
      driver: driverName,
      labels: request.labels ?? {},
      anonymous: existing?.anonymous ?? anonymous,
      createdAt: info.createdAt,
    };
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    await writeJsonAtomic(this.#file(name), record);
    if (!existing) this.#options.onEvent?.('create', record);
    return { record, info, created: !existing && !before };
  }

  /** The volume's record and what its driver says of it; NOT_FOUND ("no such volume: NAME") when absent. */
  async inspect(name: string): Promise<{ record: VolumeRecord; info: VolumeInfo }> {
    const record = this.record(name) ?? (await this.#adopt(name));
    const info = record && (await (await this.#options.driver(record.driver)).inspect(name));
    if (!record || !info) throw notFound(`no such volume: ${name}`);
    return { record, info };
  }

  /** Every volume: the records, and volumes of the default driver a killed create left without one. */
  async list(): Promise<VolumeRecord[]> {
    let files: string[] = [];
    try {
      files = readdirSync(this.#dir);
    } catch {
      // no volume yet
    }
    const records = files.filter((f) => f.endsWith('.json') && !f.startsWith('.')).flatMap((f) => this.record(f.slice(0, -5)) ?? []);
    const known = new Set(records.map((r) => r.name));
    const local = await this.#options.driver(this.defaultDriver).then((d) => d.list(), () => [] as VolumeInfo[]);
    for (const info of local) {
      if (!known.has(info.name)) records.push({ name: info.name, driver: this.defaultDriver, labels: {}, anonymous: false, createdAt: info.createdAt });
    }
    return records.sort((a, b) => a.name.localeCompare(b.name));
  }

  async #adopt(name: string): Promise<VolumeRecord | undefined> {
    const info = await (await this.#options.driver(this.defaultDriver)).inspect(name);
    return info && { name, driver: this.defaultDriver, labels: {}, anonymous: false, createdAt: info.createdAt };
  }

  /**
   * Removes the volume and its data unless a container references it (FAILED_PRECONDITION, docker's "volume is
   * in use - [ids]"); NOT_FOUND when there is none (unless `force`: docker's `volume rm -f`).
   */
  async remove(name: string, options: { force?: boolean } = {}): Promise<void> {
    checkVolumeName(name);
    await this.lock(name, () => this.removeLocked(name, options));
  }

  /** `remove`, for a caller already holding the name's lock. */
  async removeLocked(name: string, options: { force?: boolean } = {}): Promise<void> {
    const record = this.record(name) ?? (await this.#adopt(name));
    if (!record) {
      if (options.force) return;
      throw notFound(`no such volume: ${name}`);
    }
    const users = await this.#options.users(name);
    if (users.length > 0) throw failedPrecondition(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    await (await this.#options.driver(record.driver)).remove(name);
    rmSync(this.#file(name), { force: true });
    this.#options.onEvent?.('destroy', record);
  }

  /** Runs `action` holding the locks of all `names` (taken in sorted order, so two callers never deadlock). */
  async lockAll<T>(names: string[], action: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(names)].sort();
    const next = (index: number): Promise<T> => (index === sorted.length ? action() : this.lock(sorted[index]!, () => next(index + 1)));
    return next(0);
  }

  /** Removes unused volumes: anonymous ones, or all with `all` (docker's prune -a). Returns the names removed. */
  async prune(options: { all?: boolean } = {}): Promise<string[]> {
    const removed: string[] = [];
    for (const record of await this.list()) {
      if (!record.anonymous && !options.all) continue;
      try {
        await this.remove(record.name);
        removed.push(record.name);
      } catch (error) {
        if (!SkiffError.is(error, 'FAILED_PRECONDITION') && !SkiffError.is(error, 'NOT_FOUND')) throw error;
      }
    }
    return removed;
  }
}
