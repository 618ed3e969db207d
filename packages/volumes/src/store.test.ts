import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SkiffError, invalidArgument, type VolumeDriverV2 } from '@skiff/plugin';
import { tempDir } from '../../../test/support.js';
import { createLocalVolumeDriver } from './local.js';
import { VolumeStore } from './store.js';

function setup() {
  const dir = tempDir();
  const root = join(dir, 'root');
  const runRoot = join(dir, 'run');
  const context = { root: join(root, 'volumes/local'), runRoot, isContainerActive: async () => false };
  mkdirSync(context.root, { recursive: true, mode: 0o700 });
  const local = createLocalVolumeDriver(context);
  const users = new Map<string, string[]>();
  const store = new VolumeStore({
    root,
    runRoot,
    driver: async (name): Promise<VolumeDriverV2> => {
      if (name !== 'local') throw invalidArgument(`volume driver "${name}" provides no named volumes`);
      return local;
    },
    users: async (name) => users.get(name) ?? [],
  });
  return { store, local, users };
}

const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as SkiffError);

describe('VolumeStore', () => {
  it('creates named and anonymous volumes; creating a name again returns it', async () => {
    const { store } = setup();
    const named = await store.create({ name: 'pgdata', labels: { a: 'b' } });
    expect(named.created).toBe(true);
    expect(named.record).toMatchObject({ name: 'pgdata', driver: 'local', labels: { a: 'b' }, anonymous: false });
    const again = await store.create({ name: 'pgdata' });
    expect(again.created).toBe(false);
    expect(again.info).toEqual(named.info);
    const anonymous = await store.create({});
    expect(anonymous.record.name).toMatch(/^[0-9a-f]{64}$/);
    expect(anonymous.record.anonymous).toBe(true);
    expect((await store.list()).map((r) => r.name).sort()).toEqual([anonymous.record.name, 'pgdata'].sort());
  });

  it('refuses a name held by another driver, and a driver without named volumes, creating nothing', async () => {
    const { store } = setup();
    await store.create({ name: 'v' });
    expect((await errorOf(store.create({ name: 'v', driver: 'bind' })))?.message).toBe('volume v already exists with driver local, not bind');
    expect(SkiffError.is(await errorOf(store.create({ name: 'w', driver: 'bind' })), 'INVALID_ARGUMENT')).toBe(true);
    expect((await store.list()).map((r) => r.name)).toEqual(['v']);
  });

  it('remove refuses a volume a container references, in one line; -f ignores a missing one', async () => {
    const { store, users } = setup();
    const { info } = await store.create({ name: 'v' });
    writeFileSync(join(info.mountpoint, 'keep'), 'x');
    users.set('v', ['c1']);
    expect((await errorOf(store.remove('v')))?.message).toBe('remove v: volume is in use - [c1]');
    expect(readFileSync(join(info.mountpoint, 'keep'), 'utf8')).toBe('x');
    users.delete('v');
    await store.remove('v');
    expect(existsSync(info.mountpoint)).toBe(false);
    expect((await errorOf(store.remove('v')))?.message).toBe('no such volume: v');
    await expect(store.remove('v', { force: true })).resolves.toBeUndefined();
  });

  it('prune removes unused anonymous volumes, and with all every unused one', async () => {
    const { store, users } = setup();
    await store.create({ name: 'named' });
    const a = (await store.create({})).record.name;
    const b = (await store.create({})).record.name;
    users.set(b, ['c1']);
    expect(await store.prune()).toEqual([a]);
    expect((await store.prune({ all: true })).sort()).toEqual(['named']);
    expect((await store.list()).map((r) => r.name)).toEqual([b]);
  });

  it('a driver volume left without a record (create killed in between) is listed and adopted', async () => {
    const { store, local } = setup();
    await local.create({ name: 'orphan', options: {} });
    expect((await store.list()).map((r) => r.name)).toEqual(['orphan']);
    expect((await store.inspect('orphan')).record.driver).toBe('local');
    expect((await store.create({ name: 'orphan' })).created).toBe(false);
    await store.remove('orphan');
    expect(await store.list()).toEqual([]);
  });

  // A run takes the volume's lock while it creates the volume and records its container; remove checks users
  // and deletes under the same lock. Whatever the interleaving, data a container was given is never deleted.
  it('remove racing a run that uses the volume never deletes data in use', async () => {
    const { store, users } = setup();
    for (let round = 0; round < 20; round++) {
      const name = `race${round}`;
      await store.create({ name });
      const run = store.lock(name, async () => {
        const { info } = await store.createLocked({ name });
        users.set(name, [`c${round}`]);
        return info;
      });
      const remove = errorOf(store.remove(name));
      const info = await run;
      writeFileSync(join(info.mountpoint, 'in-use'), 'x');
      const error = await remove;
      if (error) expect(error.message).toMatch(/volume is in use/);
      expect(readFileSync(join(info.mountpoint, 'in-use'), 'utf8')).toBe('x');
    }
  });

  it('refuses bad names before touching anything', async () => {
    const { store } = setup();
    for (const bad of ['a/b', '..', 'a\0b', 'x'.repeat(300)]) {
      expect(SkiffError.is(await errorOf(store.create({ name: bad })), 'INVALID_ARGUMENT'), JSON.stringify(bad)).toBe(true);
      expect(SkiffError.is(await errorOf(store.remove(bad)), 'INVALID_ARGUMENT')).toBe(true);
    }
    expect(await store.list()).toEqual([]);
  });
});
