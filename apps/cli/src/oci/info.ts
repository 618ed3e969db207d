/** state, list, ps and features: what a manager reads. */
import { execFileSync } from 'node:child_process';
import { CAPABILITIES } from '@skiff/native';
import { cgroupManager } from './cgroup.js';
import { OciError } from './errors.js';
import { publicState, type StateStore } from './store.js';
import { writeOut } from '../write-out.js';

const out = (text: string): void => writeOut(1, text);

export function state(store: StateStore, id: string): void {
  const s = store.load(id);
  out(`${JSON.stringify(publicState(s, store.status(s)), null, 2)}\n`);
}

export function list(store: StateStore, format: string, quiet: boolean): void {
  const states = store.ids().map((id) => {
    const s = store.load(id);
    return publicState(s, store.status(s));
  });
  if (quiet) return out(states.map((s) => `${s.id}\n`).join(''));
  if (format === 'json') return out(`${JSON.stringify(states)}\n`);
  if (format !== 'table') throw new OciError(`invalid format option ${JSON.stringify(format)}: table or json`);
  const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner || 'root'])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  out(rows.map((row) => `${row.map((cell, i) => cell.padEnd(widths[i]!)).join('   ').trimEnd()}\n`).join(''));
}

/** `ps --format json ID`: the pids of the container's cgroup; table: `ps -ef` (or the given ps options) for them. */
export async function ps(store: StateStore, id: string, format: string, psArgs: string[]): Promise<void> {
  const s = store.load(id);
  const pids = await cgroupManager(s.cgroup).getPids();
  if (format === 'json') return out(`${JSON.stringify(pids)}\n`);
  if (format !== 'table') throw new OciError(`invalid format option ${JSON.stringify(format)}: table or json`);
  const lines = execFileSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' }).split('\n');
  const header = lines[0] ?? '';
  const pidColumn = header.trim().split(/\s+/).indexOf('PID');
  if (pidColumn < 0) throw new OciError('ps output has no PID column');
  out(`${header}\n`);
  for (const line of lines.slice(1)) {
    const pid = Number(line.trim().split(/\s+/)[pidColumn]);
    if (pids.includes(pid)) out(`${line}\n`);
  }
}

/** runtime-spec features.md: what this runtime implements. */
export function features(): void {
  out(
    `${JSON.stringify(
      {
        ociVersionMin: '1.0.0',
        ociVersionMax: '1.2.0',
        hooks: ['prestart', 'createRuntime', 'poststart', 'poststop'],
        mountOptions: ['bind', 'rbind', 'ro', 'rw', 'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec', 'relatime', 'norelatime', 'noatime', 'strictatime', 'nodiratime', 'private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared', 'unbindable', 'runbindable', 'defaults'],
        linux: {
          namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts'],
          capabilities: Object.keys(CAPABILITIES),
          cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
          seccomp: {
            enabled: true,
            actions: ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP'],
            operators: ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'],
            archs: ['SCMP_ARCH_X86_64'],
            supportedFlags: [],
          },
          apparmor: { enabled: false },
          selinux: { enabled: false },
          intelRdt: { enabled: false },
          mountExtensions: { idmap: { enabled: false } },
        },
        annotations: { 'org.skiff.runtime': 'skiff-runc' },
      },
      null,
      2,
    )}\n`,
  );
}
