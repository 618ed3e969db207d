// Reading the host: processes (/proc), mounts and cgroups, for the memory figure and the end-of-run check.
import fs from 'node:fs';
import path from 'node:path';

export const listPids = () => fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);

const readProc = (pid, file) => {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
};

const statusField = (text, key) => {
  const m = text?.match(new RegExp(`^${key}:\\s+(\\d+)`, 'm'));
  return m ? Number(m[1]) : null;
};

/** { pid, ppid, name, exe, cmdline[], environ, rssKiB, pssKiB } or null when the process is gone. */
export function procInfo(pid) {
  const status = readProc(pid, 'status');
  if (status == null) return null;
  let exe = null;
  try {
    exe = fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {}
  return {
    pid,
    ppid: statusField(status, 'PPid'),
    name: status.match(/^Name:\s+(.*)$/m)?.[1] ?? '?',
    exe,
    cmdline: (readProc(pid, 'cmdline') ?? '').split('\0').filter(Boolean),
    environ: readProc(pid, 'environ') ?? '',
    rssKiB: statusField(status, 'VmRSS') ?? 0,
    pssKiB: statusField(readProc(pid, 'smaps_rollup'), 'Pss') ?? null,
  };
}

export const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGKILL by PID, ignoring a process that is already gone. */
export const killPid = (pid) => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
};

export const mountPoints = () =>
  fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((line) => line.split(' ')[4]);

/** Every cgroup directory down to depth 4 of every hierarchy (v1: each controller; v2: /sys/fs/cgroup itself). */
export function cgroupDirs() {
  const found = new Set();
  const walk = (dir, depth) => {
    let entries = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const full = path.join(dir, entry.name);
      found.add(full);
      if (depth < 4) walk(full, depth + 1);
    }
  };
  if (fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) walk('/sys/fs/cgroup', 1);
  else {
    let roots = [];
    try {
      roots = fs.readdirSync('/sys/fs/cgroup', { withFileTypes: true });
    } catch {}
    for (const root of roots) if (root.isDirectory()) walk(path.join('/sys/fs/cgroup', root.name), 1);
  }
  return found;
}
