// Detached containers: the helper returns once the command runs; a small supervisor outlives it, keeps the
// log, writes the exit status and runs the exit command. Also the status fd (fd 4) in the foreground.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { parseLogRecords, readStatusFile, type LogRecord } from '../src/index.js';
import { createBusyboxRootfs, isDead, overlayPlan, procStat, type PlanOverrides, startHelper, waitFor, waitForInit } from './fixture.js';

const root = requiresRoot('the native helper creates namespaces and mounts');

interface Detached {
  exitCode: number | null;
  stderr: string;
  stdout: string;
  pid: number | undefined;
  /** The supervisor (the init's parent), while the container runs. */
  supervisor: number | undefined;
  log: string;
  status: string;
  /** Written by the exit command. */
  ran: string;
}

/** Parses the log and its rotated files, oldest first. */
function readLog(log: string, keep = 0): LogRecord[] {
  const records: LogRecord[] = [];
  for (const file of [...Array.from({ length: keep }, (_, i) => `${log}.${keep - i}`), log]) {
    if (!existsSync(file)) continue;
    const parsed = parseLogRecords(readFileSync(file));
    expect(parsed.rest.length).toBe(0);
    records.push(...parsed.records);
  }
  return records;
}

describe.skipIf(!root)('skiff-helper run with detach', () => {
  let image: ReturnType<typeof createBusyboxRootfs>;
  beforeAll(() => {
    image = createBusyboxRootfs();
  });
  afterAll(() => image?.remove());

  /**
   * Starts a detached container whose exit command records its own env and the status file it finds, and
   * makes sure the test leaves neither container nor supervisor behind.
   */
  async function detach(args: string[], overrides: PlanOverrides = {}): Promise<Detached> {
    const scratch = tempDir();
    const log = join(scratch, 'container.log');
    const status = join(scratch, 'exit.json');
    const ran = join(scratch, 'exit-command-ran');
    // `env` is not a shell builtin: the exit command must be able to fork (pins: exit command stuck in the
    // container's dead pid namespace, where fork fails with ENOMEM).
    const exitScript = `{ cat "${status}"; env; } > "${ran}.tmp" && mv "${ran}.tmp" "${ran}"`;
    const plan = overlayPlan(image.dir, scratch, args, {
      detach: true,
      log,
      statusFile: status,
      exitCommand: ['/bin/sh', '-c', exitScript],
      ...overrides,
    });
    const helper = startHelper(plan, { reportPid: true });
    const [result, pid] = await Promise.all([helper.done, helper.pid]);
    const supervisor = pid === undefined ? undefined : procStat(pid)?.ppid;
    onTestFinished(async () => {
      if (pid !== undefined && !isDead(pid)) process.kill(pid, 'SIGKILL');
      if (supervisor !== undefined) await waitFor(() => isDead(supervisor), 'the supervisor to exit');
    });
    return { ...result, pid, supervisor, log, status, ran };
  }

  it('returns at once with the init pid while the container runs on, under a supervisor of its own', async () => {
    const started = Date.now();
    const container = await detach(['sleep', '30']);
    expect(container).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    expect(Date.now() - started).toBeLessThan(5_000);
    const pid = container.pid!;
    expect(procStat(pid)?.comm).toBe('sleep');
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+\s+1$/m);

    // Pins: supervisor killed with the CLI (a child, or in its process group or session).
    const supervisor = container.supervisor!;
    const self = procStat('self')!;
    const stat = procStat(supervisor)!;
    expect(stat.comm).toBe('skiff-helper');
    expect(stat.ppid).not.toBe(process.pid);
    expect(stat.pgrp).not.toBe(self.pgrp);
    expect(stat.session).not.toBe(self.session);
    expect(stat.session).not.toBe(supervisor); // not a session leader: can never get a controlling terminal
    // Its stdio is /dev/null, and it holds none of the caller's pipes (the CLI waits for them to close;
    // Node makes them socketpairs, while the supervisor's own relay pipes are pipes).
    for (const fd of ['0', '1', '2']) expect(readlinkSync(`/proc/${supervisor}/fd/${fd}`)).toBe('/dev/null');
    const fds = readdirSync(`/proc/${supervisor}/fd`).map((fd) => readlinkSync(`/proc/${supervisor}/fd/${fd}`));
    expect(fds.filter((target) => target.startsWith('socket:'))).toEqual([]);

    const memory = readFileSync(`/proc/${supervisor}/smaps_rollup`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(memory)?.[1]);
    console.log(`detached supervisor memory: Rss ${kb('Rss')} kB, Pss ${kb('Pss')} kB, Private_Dirty ${kb('Private_Dirty')} kB`);
    expect(kb('Pss')).toBeLessThanOrEqual(1024);

    expect(existsSync(container.status)).toBe(false);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => existsSync(container.ran), 'the exit command');
    expect((await readStatusFile(container.status))?.exitCode).toBe(137);
  });

  it('logs stdout and stderr as records, in order, with their streams; then status, then exit command', async () => {
    const script = 'echo out1; sleep 0.1; echo err1 >&2; sleep 0.1; printf "out2"; exit 3';
    const before = Date.now();
    const container = await detach(['sh', '-c', script]);
    expect(container.exitCode).toBe(0);
    await waitFor(() => existsSync(container.ran), 'the exit command');
    const records = readLog(container.log);
    expect(records.map((r) => [r.stream, r.data.toString()])).toEqual([
      ['stdout', 'out1\n'],
      ['stderr', 'err1\n'],
      ['stdout', 'out2'],
    ]);
    const times = records.map((r) => Number(r.timeNs / 1_000_000n));
    expect(times[0]).toBeGreaterThanOrEqual(before - 1);
    expect(times[2]! - times[0]!).toBeGreaterThanOrEqual(150);

    const status = (await readStatusFile(container.status))!;
    expect(status.exitCode).toBe(3);
    expect(status.finishedAtMs).toBeGreaterThanOrEqual(times[2]!);
    expect(existsSync(`${container.status}.tmp`)).toBe(false);
    // The exit command ran after the status file was in place, with nothing of our env but PATH.
    const [seen, ...env] = readFileSync(container.ran, 'utf8').trim().split('\n');
    expect(JSON.parse(seen!)).toEqual(status);
    expect(env.filter((line) => !/^(PWD|SHLVL|_)=/.test(line))).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    expect(readFileSync(container.log).subarray(0, 2).toString()).toBe('o ');
  });

  it('rotates the log past logmax, keeping at most logkeep old files, records whole', async () => {
    const script = 'i=0; while [ $i -lt 40 ]; do echo line-$i; i=$((i+1)); sleep 0.01; done';
    const container = await detach(['sh', '-c', script], { logMaxBytes: 200, logKeep: 3 });
    await waitFor(() => existsSync(container.ran), 'the exit command', 20_000);
    const dir = readdirSync(join(container.log, '..')).filter((name) => name.startsWith('container.log')).sort();
    expect(dir).toEqual(['container.log', 'container.log.1', 'container.log.2', 'container.log.3']);
    for (const file of dir.slice(1)) expect(readFileSync(join(container.log, '..', file)).length).toBeGreaterThan(200);
    // The oldest were dropped; what is kept is the end of the output, contiguous.
    const text = readLog(container.log, 3).map((r) => r.data.toString()).join('');
    const all = Array.from({ length: 40 }, (_, i) => `line-${i}\n`).join('');
    expect(text.length).toBeLessThan(all.length);
    expect(all.endsWith(text)).toBe(true);
    expect(text.startsWith('line-')).toBe(true);
  });

  it('with logkeep 0 starts the log afresh at each rotation, keeping no old file', async () => {
    const script = 'i=0; while [ $i -lt 20 ]; do echo line-$i; i=$((i+1)); sleep 0.01; done';
    const container = await detach(['sh', '-c', script], { logMaxBytes: 100, logKeep: 0 });
    await waitFor(() => existsSync(container.ran), 'the exit command', 20_000);
    const dir = readdirSync(join(container.log, '..')).filter((name) => name.startsWith('container.log'));
    expect(dir).toEqual(['container.log']);
    // Whatever is left is the end of the output (possibly nothing: the last write may have rotated).
    const text = readLog(container.log).map((r) => r.data.toString()).join('');
    const all = Array.from({ length: 20 }, (_, i) => `line-${i}\n`).join('');
    expect(text.length).toBeLessThan(150);
    expect(all.endsWith(text)).toBe(true);
  });

  it('logs everything as stdout with a tty', async () => {
    const container = await detach(['sh', '-c', 'tty; echo to-stderr >&2'], { tty: true });
    await waitFor(() => existsSync(container.ran), 'the exit command');
    const records = readLog(container.log);
    expect(new Set(records.map((r) => r.stream))).toEqual(new Set(['stdout']));
    expect(records.map((r) => r.data.toString()).join('')).toBe('/dev/pts/0\r\nto-stderr\r\n');
    expect((await readStatusFile(container.status))?.exitCode).toBe(0);
  });

  it('forwards SIGTERM from the supervisor to the init', async () => {
    const container = await detach(['sh', '-c', 'trap "exit 7" TERM; echo ready; while :; do sleep 0.05; done']);
    await waitFor(() => readLog(container.log).length > 0, 'the container to be ready');
    process.kill(container.supervisor!, 'SIGTERM');
    await waitFor(() => existsSync(container.ran), 'the exit command');
    expect((await readStatusFile(container.status))?.exitCode).toBe(7);
  });

  // Pins: a failed detached start leaves the container half-made, with nothing to clean it up.
  it('fails like the foreground when the command is not found, and still writes the status and runs the exit command', async () => {
    const container = await detach(['nosuchcmd']);
    expect(container).toMatchObject({ exitCode: 127, pid: undefined, stdout: '' });
    expect(container.stderr).toBe('skiff: exec: "nosuchcmd": executable file not found in $PATH\n');
    await waitFor(() => existsSync(container.ran), 'the exit command');
    expect((await readStatusFile(container.status))?.exitCode).toBe(127);
  });

  it('fails with 125 on a setup error of the supervisor itself (a cgroup it cannot join), with status and exit command', async () => {
    const container = await detach(['true'], { cgroupProcs: ['/nonexistent-skiff-cgroup/cgroup.procs'] });
    expect(container.exitCode).toBe(125);
    expect(container.stderr).toBe('skiff: open /nonexistent-skiff-cgroup/cgroup.procs: No such file or directory\n');
    await waitFor(() => existsSync(container.ran), 'the exit command');
    expect((await readStatusFile(container.status))?.exitCode).toBe(125);
  });
});

describe.skipIf(!root)('status fd (fd 4)', () => {
  let image: ReturnType<typeof createBusyboxRootfs>;
  beforeAll(() => {
    image = createBusyboxRootfs();
  });
  afterAll(() => image?.remove());

  it('reports the host pid of the container init once the command runs, then closes', async () => {
    const helper = startHelper(overlayPlan(image.dir, tempDir(), ['sleep', '30']), { reportPid: true });
    const pid = (await helper.pid)!;
    expect(helper.pidText()).toBe(`pid ${pid}\n`);
    expect(await waitForInit(helper.child.pid!, 'sleep')).toBe(pid);
    expect(readlinkSync(`/proc/${pid}/ns/pid`)).not.toBe(readlinkSync(`/proc/${helper.child.pid}/ns/pid`));
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+\s+1$/m);
    process.kill(pid, 'SIGKILL');
    expect((await helper.done).exitCode).toBe(137);
  });

  it('reports nothing when the command cannot start', async () => {
    const helper = startHelper(overlayPlan(image.dir, tempDir(), ['nosuchcmd']), { reportPid: true });
    expect(await helper.pid).toBeUndefined();
    expect(helper.pidText()).toBe('');
    expect((await helper.done).exitCode).toBe(127);
  });

  it('is not inherited by the container', async () => {
    const helper = startHelper(overlayPlan(image.dir, tempDir(), ['ls', '/proc/self/fd']), { reportPid: true });
    expect((await helper.done).stdout.trim().split('\n')).toEqual(['0', '1', '2', '3']); // 3: ls's own dir fd
  });
});
