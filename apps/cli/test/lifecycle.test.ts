import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { sandbox, waitFor } from './cli.js';

const ID = /^[0-9a-f]{64}$/;
const SLOW_VOLUME = fileURLToPath(new URL('./fixtures/slow-volume.mjs', import.meta.url));


describe.runIf(requiresRoot('lifecycle tests run detached containers'))('container lifecycle', () => {
  it('run -d prints the id; ps shows it Up; logs keep stdout and stderr apart after it exits', async () => {
    const { skiff } = sandbox();
    const run = await skiff(['run', '-d', '--name', 'talker', 'busybox', 'sh', '-c', 'echo out; echo err >&2; sleep 1; echo later']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(ID);
    const ps = await skiff(['ps']);
    expect(ps.stdout).toMatch(/^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES\n/);
    expect(ps.stdout).toMatch(new RegExp(`${run.stdout.slice(0, 12)} +busybox +"sh -c 'echo out; ec…" +.* ago +Up .* +talker`));
    expect((await skiff(['wait', 'talker'])).stdout).toBe('0');
    const logs = await skiff(['logs', 'talker']);
    expect(logs.stdout).toBe('out\nlater');
    expect(logs.stderr).toBe('err');
    expect((await skiff(['logs', '--tail', '1', 'talker'])).stdout).toBe('later');
    expect((await skiff(['logs', '-t', 'talker'])).stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out\n/);
    expect((await skiff(['ps'])).stdout.trim().split('\n')).toHaveLength(1);
    expect((await skiff(['ps', '-a'])).stdout).toMatch(/Exited \(0\) .* ago +talker/);
    const json = JSON.parse((await skiff(['ps', '-a', '--format', 'json'])).stdout);
    expect(json).toMatchObject({ Names: 'talker', State: 'exited', Image: 'busybox' });
    expect((await skiff(['ps', '-aq'])).stdout).toBe(run.stdout.slice(0, 12));
  });

  it('logs -f follows until the container stops', async () => {
    const { skiff } = sandbox();
    const id = (await skiff(['run', '-d', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo $i; sleep 0.3; done'])).stdout;
    const follow = await skiff(['logs', '-f', id]);
    expect(follow.stdout).toBe('1\n2\n3');
    expect((await skiff(['wait', id])).stdout).toBe('0');
  });

  it('exec joins the container: its files, hostname, processes, environment and exit code', async () => {
    const { skiff } = sandbox();
    const id = (await skiff(['run', '-d', '-e', 'FROM_RUN=1', '--hostname', 'boat', 'busybox', 'sh', '-c', 'echo mark > /made-by-container; sleep 60'])).stdout;
    await waitFor(async () => (await skiff(['exec', id, 'test', '-f', '/made-by-container'])).exitCode === 0, 'the file');
    expect((await skiff(['exec', id, 'cat', '/made-by-container'])).stdout).toBe('mark');
    expect((await skiff(['exec', id, 'hostname'])).stdout).toBe('boat');
    const env = (await skiff(['exec', '-e', 'EXTRA=2', id, 'env'])).stdout.split('\n');
    expect(env).toEqual(expect.arrayContaining(['FROM_RUN=1', 'EXTRA=2']));
    const ps = (await skiff(['exec', id, 'ps', '-o', 'pid,args'])).stdout;
    // busybox sh execs its last command, so PID 1 is the sleep; the exec'd ps is another process.
    expect(ps).toMatch(/\n +1 sleep 60\n +\d+ ps -o pid,args$/);
    expect((await skiff(['exec', '-w', '/tmp', id, 'pwd'])).stdout).toBe('/tmp');
    expect((await skiff(['exec', '-u', 'nobody', id, 'id', '-u'])).stdout).toBe('65534');
    expect((await skiff(['exec', id, 'sh', '-c', 'exit 7'])).exitCode).toBe(7);
    const missing = await skiff(['exec', id, 'nosuchcmd']);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(/executable file not found/);
    expect((await skiff(['rm', '-f', id])).exitCode).toBe(0);
    const gone = await skiff(['exec', id, 'true']);
    expect(gone.exitCode).toBe(1); // docker: 1 for a container that is not there
    expect(gone.stderr).toMatch(/no such container/);
  });

  it('stop -t 2 escalates to SIGKILL in about 2 s (exit 137); with --init SIGTERM stops it at once (143)', async () => {
    const { skiff } = sandbox();
    const plain = (await skiff(['run', '-d', 'busybox', 'sh', '-c', 'sleep 100'])).stdout;
    let started = performance.now();
    expect((await skiff(['stop', '-t', '2', plain])).exitCode).toBe(0);
    const plainSeconds = (performance.now() - started) / 1000;
    expect(plainSeconds).toBeGreaterThan(1.9);
    expect(plainSeconds).toBeLessThan(8);
    expect(JSON.parse((await skiff(['inspect', plain])).stdout)[0].State).toMatchObject({ Status: 'exited', ExitCode: 137, Running: false });
    const init = (await skiff(['run', '-d', '--init', 'busybox', 'sh', '-c', 'sleep 100'])).stdout;
    started = performance.now();
    expect((await skiff(['stop', '-t', '10', init])).exitCode).toBe(0);
    // SIGTERM ended it (143, not the 137 of the escalation), well before the 10 s grace ran out.
    expect((performance.now() - started) / 1000).toBeLessThan(8);
    expect(JSON.parse((await skiff(['inspect', init])).stdout)[0].State.ExitCode).toBe(143);
  });

  it('start after stop keeps the writable layer; restart and kill work; logs accumulate across starts', async () => {
    const { skiff } = sandbox();
    const id = (await skiff(['run', '-d', '--init', 'busybox', 'sh', '-c', 'echo run >> /runs; cat /runs; sleep 60'])).stdout;
    await skiff(['stop', id]);
    expect((await skiff(['start', id])).stdout).toBe(id);
    await waitFor(async () => (await skiff(['logs', id])).stdout === 'run\nrun\nrun', 'the second run\'s output');
    expect((await skiff(['restart', '-t', '1', id])).exitCode).toBe(0);
    await waitFor(async () => (await skiff(['logs', id])).stdout.split('\n').length === 6, 'the third run\'s output');
    expect((await skiff(['kill', '-s', 'TERM', id])).exitCode).toBe(0);
    expect((await skiff(['wait', id])).stdout).toBe('143');
    const attached = skiff(['start', '-a', id]);
    await waitFor(async () => /Up/.test((await skiff(['ps'])).stdout), 'the attached container to run');
    await skiff(['stop', id]);
    const again = await attached;
    expect(again.stdout).toBe('run\nrun\nrun\nrun');
    expect(again.exitCode).toBe(143);
  });

  it('refuses illegal moves with one clear line', async () => {
    const { skiff } = sandbox();
    const id = (await skiff(['run', '-d', '--name', 'busy', 'busybox', 'sleep', '60'])).stdout;
    const rm = await skiff(['rm', 'busy']);
    expect(rm.exitCode).toBe(1);
    expect(rm.stderr).toMatch(/^skiff: cannot remove container busy: it is running; stop it first or force the removal \(-f\)\n?$/);
    // docker: starting a running container does nothing, successfully.
    const start = await skiff(['start', 'busy']);
    expect([start.exitCode, start.stdout, start.stderr]).toEqual([0, 'busy', '']);
    expect((await skiff(['run', '-d', '--name', 'busy', 'busybox', 'true'])).stderr).toMatch(/already in use/);
    expect((await skiff(['rm', '-f', id.slice(0, 8)])).exitCode).toBe(0);
    expect((await skiff(['ps', '-aq'])).stdout).toBe('');
  });

  it('commit makes a runnable image with the container\'s changes; export writes its root filesystem', async () => {
    const { skiff } = sandbox();
    const id = (await skiff(['run', '-d', 'busybox', 'sh', '-c', 'echo committed > /note; rm /bin/vi'])).stdout;
    await skiff(['wait', id]);
    expect((await skiff(['commit', id, 'noted'])).stdout).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await skiff(['run', '--rm', 'noted', 'cat', '/note'])).stdout).toBe('committed');
    expect((await skiff(['run', '--rm', 'noted', 'ls', '/bin/vi'])).exitCode).not.toBe(0);
    const out = join(tempDir(), 'rootfs.tar');
    expect((await skiff(['export', '-o', out, id])).exitCode).toBe(0);
    const listing = (await execa('tar', ['-tf', out])).stdout.split('\n');
    expect(listing).toEqual(expect.arrayContaining(['./note', './bin/busybox', './etc/passwd']));
    expect(listing).not.toContain('./bin/vi');
  });

  it('of concurrent run --name x, exactly one wins', async () => {
    const { skiff } = sandbox();
    const results = await Promise.all(Array.from({ length: 6 }, () => skiff(['run', '-d', '--name', 'x', 'busybox', 'sleep', '30'])));
    expect(results.filter((r) => r.exitCode === 0)).toHaveLength(1);
    expect(results.filter((r) => /already in use/.test(r.stderr))).toHaveLength(5);
    expect((await skiff(['rm', '-f', 'x'])).exitCode).toBe(0);
  });

  it('20 concurrent run -d, then 20 concurrent rm -f: consistent state, nothing leaked', async () => {
    const { skiff, cgroupDirs } = sandbox();
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => skiff(['run', '-d', '--name', `c${i}`, 'busybox', 'sleep', '60'])));
    expect(runs.map((r) => r.exitCode)).toEqual(Array(20).fill(0));
    const ids = runs.map((r) => r.stdout);
    expect((await skiff(['ps', '-q'])).stdout.split('\n').sort()).toEqual(ids.map((id) => id.slice(0, 12)).sort());
    const pids = await Promise.all(ids.map(async (id) => JSON.parse((await skiff(['inspect', id])).stdout)[0].State.Pid as number));
    // Each init's parent is its supervisor, which execs the exit command (`skiff cleanup`) when the init dies.
    const supervisors = pids.map((pid) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]));
    const removals = await Promise.all(ids.map((id) => skiff(['rm', '-f', id])));
    expect(removals.map((r) => r.exitCode)).toEqual(Array(20).fill(0));
    // Regression (CI: ENOTEMPTY removing the state root after this test): rm -f returned while exit commands
    // were still writing it. It returns once they are done.
    const running = (pid: number) => existsSync(`/proc/${pid}`) && !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    expect(supervisors.filter(running), 'exit commands still running after rm -f').toEqual([]);
    expect((await skiff(['ps', '-aq'])).stdout).toBe('');
    for (const id of ids) expect(cgroupDirs(id)).toEqual([]);
    for (const pid of pids) expect(existsSync(`/proc/${pid}`)).toBe(false);
  });

  it('survives kill -9 of the CLI: ps -a tells the truth and rm -f cleans up', async () => {
    const { skiff, cgroupDirs } = sandbox();
    const attached = skiff(['run', '--name', 'victim', 'busybox', 'sleep', '60']);
    await waitFor(async () => /Up/.test((await skiff(['ps'])).stdout), 'the container to run');
    attached.kill('SIGKILL');
    await attached;
    await waitFor(async () => /Exited \(255\)/.test((await skiff(['ps', '-a'])).stdout), 'ps -a to show it exited');
    const [{ Id: id }] = JSON.parse((await skiff(['inspect', 'victim'])).stdout);
    expect(cgroupDirs(id)).toEqual([]);
    expect((await skiff(['rm', '-f', 'victim'])).exitCode).toBe(0);
  });

  // Regression: rm -f waiting for the lock of a container whose attached start was still preparing then found it
  // running and refused, "stop it first or force the removal (-f)", although -f was given.
  it('rm -f of a container whose attached start is still preparing kills it once it runs, and removes it', async () => {
    const { skiff, containers, cgroupDirs } = sandbox();
    const plugin = ['--plugin', SLOW_VOLUME];
    const attached = skiff([...plugin, 'run', '--name', 'starting', '-v', 'scratch:/scratch:driver=slow,delay=1500', 'busybox', 'sleep', '60'], { reject: false });
    await waitFor(async () => containers().length === 1, 'the container to be created');
    const [id] = containers();
    const rm = await skiff([...plugin, 'rm', '-f', 'starting']);
    expect(rm.exitCode, String(rm.stderr)).toBe(0);
    expect((await attached).exitCode).toBe(137);
    expect(containers()).toEqual([]);
    expect(cgroupDirs(id!)).toEqual([]);
  });

  it('system prune removes stopped containers and keeps running ones and volume data', async () => {
    const { skiff } = sandbox();
    const data = tempDir();
    await skiff(['run', '-v', `${data}:/data`, 'busybox', 'sh', '-c', 'echo keep > /data/f']);
    const running = (await skiff(['run', '-d', 'busybox', 'sleep', '60'])).stdout;
    const prune = await skiff(['system', 'prune']);
    expect(prune.stdout).toMatch(/Total: 1 containers removed/);
    expect((await skiff(['ps', '-aq'])).stdout).toBe(running.slice(0, 12));
    expect(readFileSync(join(data, 'f'), 'utf8')).toBe('keep\n');
    await skiff(['rm', '-f', running]);
  });

  it('rotates the log of a detached container at --log-opt max-size', async () => {
    const { skiff, root } = sandbox();
    const id = (await skiff(['run', '-d', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=2', 'busybox', 'sh', '-c', 'for i in $(seq 100); do echo line-$i; usleep 2000; done'])).stdout;
    await skiff(['wait', id]);
    const dir = join(root, 'containers', id);
    expect(existsSync(join(dir, 'log.1'))).toBe(true);
    expect(existsSync(join(dir, 'log.2'))).toBe(false);
    const lines = (await skiff(['logs', id])).stdout.split('\n');
    expect(lines.at(-1)).toBe('line-100');
    expect(lines.length).toBeLessThan(100);
  });
});
