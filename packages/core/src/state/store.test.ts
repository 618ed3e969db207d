import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/support.js';
import { ContainerStore } from './store.js';
import { testRecord } from './test-record.js';

const record = testRecord;

describe('ContainerStore', () => {
  it('of concurrent creates with one name, exactly one wins', async () => {
    const root = tempDir();
    const store = new ContainerStore({ root, runRoot: `${root}/run` });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => store.create(record('same'))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(String(rejected.reason.message)).toMatch(/the container name "same" is already in use/);
    expect(await store.list()).toHaveLength(1);
  });

  it('resolves by name, full id and unique prefix; says when a prefix is ambiguous or unknown', async () => {
    const root = tempDir();
    const store = new ContainerStore({ root, runRoot: `${root}/run` });
    const a = record('alpha');
    await store.create(a);
    expect((await store.resolve('alpha')).id).toBe(a.id);
    expect((await store.resolve(a.id)).name).toBe('alpha');
    expect((await store.resolve(a.id.slice(0, 5))).name).toBe('alpha');
    await expect(store.resolve('nope')).rejects.toThrow('no such container: nope');
    await store.remove(a);
    await expect(store.resolve('alpha')).rejects.toThrow(/no such container/);
  });

  it('makes a container directory only whole: a create that fails midway leaves no directory and no name', async () => {
    const root = tempDir();
    const store = new ContainerStore({ root, runRoot: `${root}/run` });
    const made = record('whole');
    await store.create(made);
    expect(readdirSync(join(root, 'containers', made.id))).toEqual(['config.json']);
    expect(readdirSync(join(root, 'staging'))).toEqual([]);
    // A directory already in the way makes the final rename fail.
    const blocked = record('blocked');
    mkdirSync(join(root, 'containers', blocked.id, 'in-the-way'), { recursive: true });
    await expect(store.create(blocked)).rejects.toThrow();
    expect(readdirSync(join(root, 'staging'))).toEqual([]);
    expect(existsSync(join(root, 'names', 'blocked'))).toBe(false);
    expect((await store.list()).map((r) => r.name)).toEqual(['whole']);
  });

  it('rejects invalid names before writing anything', async () => {
    const root = tempDir();
    const store = new ContainerStore({ root, runRoot: `${root}/run` });
    await expect(store.create(record('bad name'))).rejects.toThrow(/invalid container name/);
    expect(await store.list()).toHaveLength(0);
  });
});
