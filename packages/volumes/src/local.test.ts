import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SkiffError, type DriverContext } from '@skiff/plugin';
import { runInMountNamespace, runNamedVolumeDriverTests } from '@skiff/plugin/testing';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { createLocalVolumeDriver, localVolumeDriverFactory } from './local.js';

runNamedVolumeDriverTests('local', localVolumeDriverFactory);
runNamedVolumeDriverTests('local (type=tmpfs)', localVolumeDriverFactory, undefined, { createOptions: { type: 'tmpfs', o: 'size=1m' }, persists: false });

const dist = join(dirname(fileURLToPath(import.meta.url)), '../dist/index.js');

function setup() {
  const dir = tempDir();
  const context: DriverContext = { root: join(dir, 'driver'), runRoot: join(dir, 'run'), isContainerActive: async () => false };
  mkdirSync(context.root, { recursive: true, mode: 0o700 });
  return { dir, context, driver: createLocalVolumeDriver(context) };
}

const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as SkiffError);

/** A node child that loads the built package and runs `body` with `driver` (a local driver on `root`). */
function child(root: string, runRoot: string, body: string) {
  const script = `import(${JSON.stringify(dist)}).then(async (m) => { const driver = m.createLocalVolumeDriver(${JSON.stringify({ root, runRoot })}); ${body} })`;
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
}

describe('local volume driver', () => {
  it('lays a volume out as NAME/_data (0755) in 0700 directories, with its options in opts.json', async () => {
    const { context, driver } = setup();
    const previous = process.umask(0o077);
    try {
      const info = await driver.create({ name: 'pgdata', options: {} });
      expect(info.mountpoint).toBe(join(context.root, 'pgdata/_data'));
    } finally {
      process.umask(previous);
    }
    expect(statSync(join(context.root, 'pgdata')).mode & 0o777).toBe(0o700);
    expect(statSync(join(context.root, 'pgdata/_data')).mode & 0o777).toBe(0o755);
    expect(readdirSync(join(context.root, 'pgdata')).sort()).toEqual(['_data', 'opts.json']);
  });

  it("checks docker's local options in one line each", async () => {
    const { driver } = setup();
    const cases: [Record<string, string>, RegExp][] = [
      [{ colour: 'red' }, /unknown option "colour"/],
      [{ type: 'nfs' }, /type "nfs" is not supported/],
      [{ type: 'tmpfs', o: 'size=1m,exec' }, /tmpfs option "exec"/],
      [{ type: 'none', o: 'bind' }, /device "" must be an absolute/],
      [{ type: 'none', o: 'bind', device: 'rel' }, /must be an absolute/],
      [{ type: 'none', o: 'bind', device: '/a/../etc' }, /without '\.\.'/],
      [{ type: 'none', device: '/tmp' }, /needs o=bind/],
      [{ type: 'none', o: 'bind', device: '/nonexistent/skiff/dir' }, /does not exist/],
      [{ size: '1m' }, /need type=tmpfs or type=none/],
    ];
    for (const [options, message] of cases) {
      const error = await errorOf(driver.create({ name: 'v', options }));
      expect(SkiffError.is(error, 'INVALID_ARGUMENT'), JSON.stringify(options)).toBe(true);
      expect(error!.message).toMatch(message);
    }
    expect(await driver.list()).toEqual([]);
  });

  it('type=none,o=bind mounts the device directory', async () => {
    const { dir, driver } = setup();
    const device = join(dir, 'device');
    mkdirSync(device);
    await driver.create({ name: 'dev', options: { type: 'none', o: 'bind', device } });
    const [mount] = await driver.mount({ ref: 'c', source: 'dev', target: '/d', readOnly: false, options: {}, imagePath: undefined, scratchDir: join(dir, 's') });
    expect(mount).toMatchObject({ type: 'bind', source: device, target: '/d', hostPath: {} });
  });

  // Attack: the device named to create is a symlink (or is swapped for one): skiff never takes it as the
  // directory. Create refuses a symlink; a symlink swapped in after create is refused by the helper at start
  // (Mount.hostPath: opened without following symlinks), which the bind driver's attack tests cover.
  it('refuses a device that is a symlink, and one swapped while create runs', async () => {
    const { dir, driver } = setup();
    const real = join(dir, 'real');
    mkdirSync(real);
    const link = join(dir, 'link');
    symlinkSync('/etc', link);
    const error = await errorOf(driver.create({ name: 'dev', options: { type: 'none', o: 'bind', device: link } }));
    expect(error?.message).toMatch(/is a symlink/);
    // Swap real <-> symlink in a tight loop while creating: every volume made records the path as given, and
    // a mount of it never yields /etc.
    // Its own process group, so that the kill below also ends an rm/ln/mkdir in flight, before the temp dir goes.
    const swapper = spawn('sh', ['-c', `while :; do rm -rf "$1"; ln -s /etc "$1"; rm -f "$1"; mkdir "$1"; done`, 'sh', real], { detached: true });
    const gone = new Promise((resolve) => swapper.once('exit', resolve));
    try {
      for (let i = 0; i < 30; i++) {
        const made = await errorOf(driver.create({ name: `dev${i}`, options: { type: 'none', o: 'bind', device: real } }));
        if (made) expect(made.message).toMatch(/symlink|does not exist|not a directory/);
      }
    } finally {
      process.kill(-swapper.pid!, 'SIGKILL');
      await gone;
    }
    for (const info of await driver.list()) expect(info.mountpoint).toBe(real);
  });

  it('remove takes the data away and frees the name at once', async () => {
    const { context, driver } = setup();
    const info = await driver.create({ name: 'v', options: {} });
    writeFileSync(join(info.mountpoint, 'f'), 'x');
    await driver.remove('v');
    expect(existsSync(join(context.root, 'v'))).toBe(false);
    expect(readdirSync(join(context.root, '.trash'))).toEqual([]);
    const again = await driver.create({ name: 'v', options: {} });
    expect(readdirSync(again.mountpoint)).toEqual([]);
  });

  it.runIf(requiresRoot('a tmpfs volume is mounted for real'))('type=tmpfs mounts a tmpfs of the size asked', async () => {
    const { dir, driver } = setup();
    await driver.create({ name: 't', options: { type: 'tmpfs', size: '2m' } });
    const root = join(dir, 'rootfs');
    mkdirSync(join(root, 'data'), { recursive: true });
    const mounts = await driver.mount({ ref: 'c', source: 't', target: '/data', readOnly: false, options: {}, imagePath: undefined, scratchDir: join(dir, 's') });
    const out = runInMountNamespace(mounts, root, ['df -k "$ROOT/data" | tail -1']);
    expect(out).toMatch(/^tmpfs\s+2048\s/);
  });

  it.runIf(existsSync(dist))('two processes creating one name at once get one volume', async () => {
    const { context } = setup();
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () => {
        const proc = child(context.root, context.runRoot, `const v = await driver.create({ name: 'same', options: {} }); console.log(v.createdAt);`);
        let out = '';
        proc.stdout!.on('data', (chunk) => (out += chunk));
        return new Promise<string>((resolve) => proc.on('close', () => resolve(out.trim())));
      }),
    );
    expect(new Set(outputs).size).toBe(1);
    expect(outputs[0]).toMatch(/^\d{4}-/);
    expect(readdirSync(context.root).filter((e) => !e.startsWith('.'))).toEqual(['same']);
  });

  it.runIf(existsSync(dist))('kill -9 during create leaves working volumes or nothing, and the next create succeeds', async () => {
    const { context, driver } = setup();
    for (const delay of [40, 90, 160]) {
      const proc = child(context.root, context.runRoot, `for (let i = 0; ; i++) await driver.create({ name: 'k${delay}-' + (i % 50), options: {} });`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      proc.kill('SIGKILL');
      await new Promise((resolve) => proc.on('exit', resolve));
    }
    for (const entry of readdirSync(context.root).filter((e) => !e.startsWith('.'))) {
      const info = await driver.inspect(entry);
      expect(info, entry).toBeDefined();
      expect(lstatSync(info!.mountpoint).isDirectory()).toBe(true);
    }
    for (const delay of [40, 90, 160]) for (let i = 0; i < 50; i++) await driver.create({ name: `k${delay}-${i}`, options: {} });
    expect(readdirSync(join(context.root, '.staging'))).toEqual([]);
  });
});

if (!existsSync(dist)) console.warn(`skipped: the multi-process local driver tests load ${dist}; run pnpm build first`);
