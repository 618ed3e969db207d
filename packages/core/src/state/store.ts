import { link, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SkiffError, alreadyExists, invalidArgument, notFound } from '../plugin/errors.js';
import { containerDir, containersDir, namesDir, type Roots } from '../roots.js';
import { NAME_PATTERN } from '../ids.js';
import { writeJsonAtomic } from './atomic.js';
import type { ContainerRecord } from './record.js';

/**
 * Container records on disk. Safe across concurrent CLI processes: names are reserved by creating
 * <root>/names/<name> exclusively (so of two `run --name x` exactly one wins), records are replaced atomically.
 */
export class ContainerStore {
  constructor(readonly roots: Roots) {}

  /** Reserves the name and writes the first record. Throws ALREADY_EXISTS if the name is taken. */
  async create(record: ContainerRecord): Promise<void> {
    if (!NAME_PATTERN.test(record.name)) {
      throw invalidArgument(`invalid container name ${JSON.stringify(record.name)}: use [a-zA-Z0-9][a-zA-Z0-9_.-], at most 128 characters`);
    }
    await mkdir(namesDir(this.roots), { recursive: true, mode: 0o700 });
    await mkdir(containerDir(this.roots, record.id), { recursive: true, mode: 0o700 });
    const name = join(namesDir(this.roots), record.name);
    // The name file appears whole or not at all: written beside, then hard-linked into place (link fails with
    // EEXIST when the name is taken, which is what makes it exclusive).
    const temp = join(namesDir(this.roots), `.${record.id}.tmp`);
    try {
      await writeFile(temp, record.id, { mode: 0o600 });
      await link(temp, name);
    } catch (error) {
      await rm(containerDir(this.roots, record.id), { recursive: true, force: true });
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        const owner = await readFile(name, 'utf8').catch(() => '?');
        throw alreadyExists(`the container name "${record.name}" is already in use by container ${owner.slice(0, 12)}`, {
          hint: 'remove that container or choose another name',
        });
      }
      throw error;
    } finally {
      await rm(temp, { force: true });
    }
    try {
      await this.save(record);
    } catch (error) {
      // No half-made container: without its first record the name and directory go too.
      await rm(name, { force: true });
      await rm(containerDir(this.roots, record.id), { recursive: true, force: true });
      throw error;
    }
  }

  save(record: ContainerRecord): Promise<void> {
    return writeJsonAtomic(join(containerDir(this.roots, record.id), 'config.json'), record);
  }

  async get(id: string): Promise<ContainerRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(containerDir(this.roots, id), 'config.json'), 'utf8')) as ContainerRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async list(): Promise<ContainerRecord[]> {
    const ids = await readdir(containersDir(this.roots)).catch(() => [] as string[]);
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
    const byName = await readFile(join(namesDir(this.roots), reference), 'utf8').catch(() => undefined);
    if (byName && /^[0-9a-f]{64}$/.test(byName)) {
      const record = await this.get(byName);
      if (record) return record;
    }
    const prefix = /^[0-9a-f]+$/.test(reference) ? reference : undefined;
    const matches = prefix === undefined ? [] : (await readdir(containersDir(this.roots)).catch(() => [] as string[])).filter((id) =>
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
    await rm(containerDir(this.roots, record.id), { recursive: true, force: true });
    const owner = await readFile(join(namesDir(this.roots), record.name), 'utf8').catch(() => undefined);
    if (owner === record.id) await rm(join(namesDir(this.roots), record.name), { force: true });
  }
}
