import { linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SkiffError, alreadyExists, invalidArgument, notFound, writeFileAtomic } from '@skiff/plugin';
import { containerDir, containersDir, namesDir, stagingDir, type Roots } from '../roots.js';
import { NAME_PATTERN } from '../ids.js';
import type { ContainerRecord } from './record.js';
import { containerEvent } from './events.js';

/**
 * Container records on disk. Safe across concurrent CLI processes: names are reserved by creating
 * <root>/names/<name> exclusively (so of two `run --name x` exactly one wins), records are replaced atomically.
 * Records are small: the calls are synchronous inside (see @skiff/plugin's sync-fs.ts).
 */
export class ContainerStore {
  constructor(readonly roots: Roots) {}

  /**
   * Writes the first record and reserves the name. Throws ALREADY_EXISTS if the name is taken.
   * The container's directory appears whole: made in the staging directory with its record, then renamed into
   * containers/; only then is the name linked to it. A kill midway therefore never leaves a container directory
   * without a record, nor a name without a container (which no command could remove): at worst a staging
   * directory (`system prune` removes it) or a container without its name file, which `rm ID` removes. The loser
   * of two `run --name x` at once removes its directory again.
   */
  async create(record: ContainerRecord): Promise<void> {
    if (!NAME_PATTERN.test(record.name)) {
      throw invalidArgument(`invalid container name ${JSON.stringify(record.name)}: use [a-zA-Z0-9][a-zA-Z0-9_.-], at most 128 characters`);
    }
    for (const dir of [namesDir(this.roots), stagingDir(this.roots), containersDir(this.roots)]) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const staged = join(stagingDir(this.roots), record.id);
    try {
      mkdirSync(staged, { mode: 0o700 });
      writeFileSync(join(staged, 'config.json'), recordText(record), { mode: 0o644 });
      renameSync(staged, containerDir(this.roots, record.id));
    } catch (error) {
      rmSync(staged, { recursive: true, force: true });
      throw error;
    }
    try {
      await this.reserveName(record.name, record.id);
    } catch (error) {
      rmSync(containerDir(this.roots, record.id), { recursive: true, force: true });
      throw error;
    }
    containerEvent(this.roots, 'create', record);
  }

  /** Claims `name` for container `id`; ALREADY_EXISTS when another container has it. */
  async reserveName(name: string, id: string): Promise<void> {
    mkdirSync(namesDir(this.roots), { recursive: true, mode: 0o700 });
    mkdirSync(stagingDir(this.roots), { recursive: true, mode: 0o700 });
    // The name file appears whole or not at all: written in the staging directory, then hard-linked into place
    // (link fails with EEXIST when the name is taken, which is what makes it exclusive). A kill -9 between the
    // two leaves the temp file among the staged leftovers `system prune` removes, never in names/.
    const temp = join(stagingDir(this.roots), `${id}.name`);
    const path = join(namesDir(this.roots), name);
    try {
      writeFileSync(temp, id, { mode: 0o600 });
      linkSync(temp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        const owner = readOr(path, '?');
        throw alreadyExists(`the container name "${name}" is already in use by container ${owner.slice(0, 12)}`, {
          hint: 'remove that container or choose another name',
        });
      }
      throw error;
    } finally {
      rmSync(temp, { force: true });
    }
  }

  /** Frees `name` if container `id` holds it. */
  releaseName(name: string, id: string): void {
    const path = join(namesDir(this.roots), name);
    if (readOr(path, undefined) === id) rmSync(path, { force: true });
  }

  save(record: ContainerRecord): Promise<void> {
    return writeFileAtomic(join(containerDir(this.roots, record.id), 'config.json'), recordText(record));
  }

  async get(id: string): Promise<ContainerRecord | undefined> {
    try {
      return JSON.parse(readFileSync(join(containerDir(this.roots, id), 'config.json'), 'utf8')) as ContainerRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async list(): Promise<ContainerRecord[]> {
    const ids = listOr(containersDir(this.roots));
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((record): record is ContainerRecord => record !== undefined);
  }

  /** Finds a container by full id, unique id prefix, or name. */
  async resolve(reference: string): Promise<ContainerRecord> {
    if (!NAME_PATTERN.test(reference)) throw notFound(`no such container: ${JSON.stringify(reference)}`);
    if (/^[0-9a-f]{64}$/.test(reference)) {
      const record = await this.get(reference);
      if (record) return record;
    }
    const byName = readOr(join(namesDir(this.roots), reference), undefined);
    if (byName && /^[0-9a-f]{64}$/.test(byName)) {
      const record = await this.get(byName);
      if (record) return record;
    }
    const prefix = /^[0-9a-f]+$/.test(reference) ? reference : undefined;
    const matches = prefix === undefined ? [] : listOr(containersDir(this.roots)).filter((id) =>
      id.startsWith(prefix),
    );
    if (matches.length > 1) {
      throw new SkiffError('INVALID_ARGUMENT', `container id prefix "${reference}" is ambiguous: it matches ${matches.length} containers`);
    }
    const record = matches[0] === undefined ? undefined : await this.get(matches[0]);
    if (!record) throw notFound(`no such container: ${reference}`);
    return record;
  }

  /** Deletes the record and frees the name. The caller has already removed storage and volumes. */
  async remove(record: ContainerRecord): Promise<void> {
    // The name goes first: a kill right after it leaves a nameless container that `rm ID` still finds and
    // finishes (the other order left a name pointing at nothing, which no command could remove).
    this.releaseName(record.name, record.id);
    // The directory leaves containers/ whole (renamed into staging/, then deleted there): a kill midway never
    // leaves a container directory whose record is gone, only a staged leftover that `system prune` removes.
    const doomed = join(stagingDir(this.roots), `${record.id}.removed`);
    mkdirSync(stagingDir(this.roots), { recursive: true, mode: 0o700 });
    rmSync(doomed, { recursive: true, force: true }); // an earlier removal of it killed midway
    try {
      renameSync(containerDir(this.roots, record.id), doomed);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    rmSync(doomed, { recursive: true, force: true });
    containerEvent(this.roots, 'destroy', record);
  }
}

function readOr<T>(path: string, fallback: T): string | T {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function listOr(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const recordText = (record: ContainerRecord) => `${JSON.stringify(record, null, 2)}\n`;
