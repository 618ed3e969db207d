// What the figures were taken on: kernel, CPUs, memory, Node, runc/crun, busybox, cgroups, git commit, load.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { BUSYBOX, REPO } from './config.mjs';
import { round, which } from './util.mjs';

const version = (bin, args = ['--version']) => (bin ? spawnSync(bin, args, { encoding: 'utf8' }).stdout?.split('\n')[0].trim() : null);

export const loadAverage = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

function cgroupVersion() {
  if (fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) return 'v2';
  return fs.existsSync('/sys/fs/cgroup/unified') ? 'v1 (hybrid)' : 'v1';
}

export function describeMachine() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    kernel: `${os.release()} ${os.version()}`,
    arch: os.arch(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? '?',
    memGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    runc: version(which('runc')),
    crun: version(which('crun')),
    busybox: (spawnSync(BUSYBOX, [], { encoding: 'utf8' }).stdout ?? '').match(/BusyBox v(\S+)/)?.[1] ?? '?',
    cgroups: cgroupVersion(),
    gitCommit: spawnSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout?.trim() || null,
    loadStart: loadAverage(),
  };
}
