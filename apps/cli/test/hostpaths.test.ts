// Attack tests for skiff's own work on host paths (issue 11, escapes 2, 3, 4 and 6): each races a container (or
// a pre-made state root) against what skiff checks and then uses, and must fail on code that re-resolves paths.
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { requiresRoot, suitePrefix, tempDir } from '../../../test/support.js';
import { bindSwapRace } from './bind-race.js';
import { sandbox } from './cli.js';

const mode = (path: string) => lstatSync(path).mode & 0o7777;

/** Every path below `dir`, symlinks listed but never followed (readdir's recursive option follows them). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? [path, ...filesUnder(path)] : [path];
  });
}

describe.runIf(requiresRoot('these attack tests run real containers against host paths'))('host paths', () => {
  it('a state root made 0755 beforehand: every directory skiff owns in it is 0700 (escape 6)', async () => {
    const { root, runRoot, skiff } = sandbox();
    mkdirSync(root, { mode: 0o755 });
    chmodSync(root, 0o755);
    mkdirSync(runRoot, { mode: 0o755 });
    // What an older skiff left: world-readable store directories.
    for (const dir of ['images', 'layers']) mkdirSync(join(root, dir), { mode: 0o755 });
    chmodSync(join(root, 'layers'), 0o755);
    const run = await skiff(['run', '--name', 'c', 'busybox', 'sh', '-c', 'cp /bin/busybox /sh && chmod 4755 /sh']);
    expect(run.exitCode).toBe(0);
    const commit = await skiff(['commit', 'c', 'setuid']);
    expect(commit.exitCode).toBe(0);
    const open = [root, runRoot].flatMap((base) =>
      readdirSync(base, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => join(base, entry.name))
        .filter((dir) => mode(dir) !== 0o700),
    );
    expect(open).toEqual([]);
    for (const dir of ['images', 'layers', 'containers', 'storage']) expect(mode(join(root, dir))).toBe(0o700);
    // A layer's own directory keeps the mode a container sees on its '/'.
    for (const layer of readdirSync(join(root, 'layers'))) expect(mode(join(root, 'layers', layer))).toBe(0o755);
    expect((await skiff(['rm', 'c'])).exitCode).toBe(0);
  });

  it('bind volume: a missing host dir swapped for a symlink between check and mount never reaches the target (escape 4)', async () => {
    const { skiff } = sandbox();
    const race = await bindSwapRace(skiff);
    expect(race).toEqual({ leaks: [], attackerStarted: true, modes: [0o600, 0o700] });
  }, 60_000);

  // A read-only volume nested in a volume that another container also has: that container swaps the nested
  // target dir with a symlink to the outer volume's root. The bind went on the dir, and its ro flag was then set
  // on whatever the path named a moment later (the outer volume), leaving the read-only volume writable.
  it('read-only volume nested in a shared volume: a container swapping its target dir never leaves it writable', async () => {
    const { skiff } = sandbox();
    const base = tempDir();
    const shared = join(base, 'shared');
    const secret = join(base, 'read-only');
    mkdirSync(shared);
    mkdirSync(secret);
    const probe = join(base, 'probe');
    mkdirSync(probe);
    execFileSync('cc', ['-static', '-O2', '-o', join(probe, 'swapper'), fileURLToPath(new URL('./fixtures/swapper.c', import.meta.url))]);
    // /p/w/d0 (a dir) and /p/w/l0 (a symlink to /data, the victim's view of the shared dir) swap places forever.
    const attacker = await skiff(['run', '-d', '--name', 'attacker', '-v', `${shared}:/p`, '-v', `${probe}:/probe:ro`, 'busybox', '/probe/swapper', '/p/w', '/data', '1']);
    expect(attacker.exitCode).toBe(0);
    for (let wait = 0; wait < 100 && !existsSync(join(shared, 'w', 'ready')); wait++) await sleep(100);
    const writable: string[] = [];
    const deadline = Date.now() + 25_000;
    for (let i = 0; i < 30 && Date.now() < deadline; i++) {
      const victim = await skiff(['run', '--rm', '-v', `${shared}:/data`, '-v', `${secret}:/data/w/d0:ro`, 'busybox', 'cat', '/proc/self/mountinfo']);
      // Fields: id parent dev root mountpoint per-mount-options ...
      const mounts = String(victim.stdout).split('\n').map((line) => line.split(' ')).filter((fields) => fields[3] === secret);
      writable.push(...mounts.filter((fields) => !fields[5]!.split(',').includes('ro')).map((fields) => fields.join(' ')));
    }
    expect((await skiff(['rm', '-f', 'attacker'])).exitCode).toBe(0);
    expect(writable).toEqual([]);
  }, 60_000);

  it('overlay volume: its sibling work dir swapped for a symlink by a container that has the parent never leads skiff into another directory (escape 3)', async () => {
    const { skiff } = sandbox();
    // The host dir on another filesystem than the state root (tmpfs /dev/shm vs /tmp): the work dir then sits
    // beside it, in the parent, which the attacker has as its volume.
    const base = mkdtempSync(join('/dev/shm', `${suitePrefix()}overlay-work-`));
    onTestFinished(() => rmSync(base, { recursive: true, force: true }));
    const parent = join(base, 'parent');
    mkdirSync(join(parent, 'vol'), { recursive: true });
    const victim = join(base, 'victim');
    mkdirSync(join(victim, 'work'), { recursive: true });
    for (const name of ['a', 'b', 'work/c']) writeFileSync(join(victim, name), `precious ${name}\n`);
    const sibling = '/p/.vol.skiff-work';
    const attack = [
      'i=0; while :; do',
      `  if [ -d ${sibling} ] && [ ! -L ${sibling} ]; then`,
      `    i=$((i+1)); mv ${sibling} /p/.moved$i 2>/dev/null && ln -s ${victim} ${sibling}`,
      '  fi',
      'done',
    ].join('\n');
    const attacker = await skiff(['run', '-d', '--name', 'attacker', '-v', `${parent}:/p`, 'busybox', 'sh', '-c', attack]);
    expect(attacker.exitCode).toBe(0);
    const deadline = Date.now() + 25_000;
    for (let iteration = 0; iteration < 30 && Date.now() < deadline; iteration++) {
      for (const name of readdirSync(parent)) if (name !== 'vol') rmSync(join(parent, name), { recursive: true, force: true });
      await skiff(['run', '--rm', '-v', `${join(parent, 'vol')}:/v:driver=overlay`, 'busybox', 'sh', '-c', 'echo x > /v/x']);
    }
    expect((await skiff(['rm', '-f', 'attacker'])).exitCode).toBe(0);
    expect(readdirSync(victim).sort()).toEqual(['a', 'b', 'work']);
    expect(readdirSync(join(victim, 'work'))).toEqual(['c']);
    for (const name of ['a', 'b', 'work/c']) expect(readFileSync(join(victim, name), 'utf8')).toBe(`precious ${name}\n`);
  }, 60_000);

  // The victim is a root-only host directory; the container swaps directories of its writable layer for
  // symlinks to it while commits copy that layer. Pausing (the default) freezes it; --pause=false copies by fd.
  it.each([
    ['pausing it (the default)', []],
    ['with --pause=false', ['--pause=false']],
  ])('commit %s of a container swapping its dirs for symlinks to a root-only host dir copies no host file (escape 2)', async (_, flags) => {
    const { root, skiff } = sandbox();
    const base = tempDir();
    const victim = join(base, 'root-only');
    mkdirSync(victim, { mode: 0o700 });
    writeFileSync(join(victim, 'secret'), 'TOPSECRET-COMMIT\n', { mode: 0o600 });
    const probe = join(base, 'probe');
    mkdirSync(probe);
    execFileSync('cc', ['-static', '-O2', '-o', join(probe, 'swapper'), fileURLToPath(new URL('./fixtures/swapper.c', import.meta.url))]);
    const swapper = await skiff(['run', '-d', '--name', 'swapper', '-v', `${probe}:/probe:ro`, 'busybox', '/probe/swapper', '/w', victim, '16']);
    expect(swapper.exitCode).toBe(0);
    for (let wait = 0; wait < 100 && (await skiff(['exec', 'swapper', 'test', '-e', '/w/ready'])).exitCode !== 0; wait++) await sleep(100);
    const results: string[] = [];
    const deadline = Date.now() + 20_000;
    for (let i = 0; i < 12 && Date.now() < deadline; i++) {
      const commit = await skiff(['commit', ...flags, 'swapper', `img${i}`]);
      results.push(commit.exitCode === 0 ? 'ok' : String(commit.stderr).trim());
    }
    // Thawed again after each paused commit: the container still answers.
    expect((await skiff(['exec', 'swapper', 'true'], { timeout: 10_000 })).exitCode).toBe(0);
    expect((await skiff(['rm', '-f', 'swapper'])).exitCode).toBe(0);
    const leaked = filesUnder(join(root, 'layers')).filter((path) => path.endsWith('/secret'));
    expect(leaked).toEqual([]);
    // Paused, every commit works; unpaused, one may give up on an entry that keeps changing, saying so.
    for (const result of results) expect(result).toMatch(flags.length ? /^ok$|keeps changing while it is being copied/ : /^ok$/);
    expect(results).toContain('ok');
  }, 60_000);

  // The container swaps regular files of its layer with a device node (the numbers of /dev/null: harmless
  // here, but a watchdog's or a tape's act on open alone), and a host-side inotify watch on the node reports
  // whether anything opened it. The copy re-creates device nodes with mknodat; before, a node swapped in after
  // fstatat was opened on the host as the regular file it had been.
  it('commit --pause=false of a container swapping regular files for a device node never opens the device on the host (escape 2)', async () => {
    const { root, skiff } = sandbox();
    const probe = join(tempDir(), 'probe');
    mkdirSync(probe);
    for (const name of ['node-swapper', 'open-watch'])
      execFileSync('cc', ['-static', '-O2', '-o', join(probe, name), fileURLToPath(new URL(`./fixtures/${name}.c`, import.meta.url))]);
    const swapper = await skiff(['run', '-d', '--name', 'swapper', '-v', `${probe}:/probe:ro`, 'busybox', '/probe/node-swapper', '/w', '16']);
    expect(swapper.exitCode).toBe(0);
    for (let wait = 0; wait < 100 && (await skiff(['exec', 'swapper', 'test', '-e', '/w/ready'])).exitCode !== 0; wait++) await sleep(100);
    const storage = join(root, 'storage', 'overlay');
    const [node] = readdirSync(storage).map((dir) => join(storage, dir, 'upper', 'w', 'node')).filter((path) => existsSync(path));
    expect(node).toBeDefined();
    const watch = execa(join(probe, 'open-watch'), [node!], { reject: false });
    onTestFinished(() => void watch.kill('SIGKILL'));
    await new Promise((resolve) => watch.stdout!.once('data', resolve)); // "watching": the watch is set
    // It exits at the first open of the node; 40 commits (on main: within the first 10, usually).
    const deadline = Date.now() + 25_000;
    for (let i = 0; i < 40 && Date.now() < deadline && watch.exitCode === null; i++) await skiff(['commit', '--pause=false', 'swapper', `img${i}`]);
    watch.kill('SIGKILL');
    expect(String((await watch).stdout).trim()).toBe('watching');
    expect((await skiff(['rm', '-f', 'swapper'])).exitCode).toBe(0);
  }, 60_000);
});
