// After the whole suite: fail if it left anything of skiff's on the host (mounts, cgroups, processes).
import { readFileSync, readdirSync, existsSync } from 'node:fs';

export function leftovers(): string[] {
  const found: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mountPoint = line.split(' ')[4];
    if (mountPoint && /skiff/i.test(mountPoint)) found.push(`mount ${mountPoint}`);
  }
  if (existsSync('/sys/fs/cgroup')) {
    for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
      const dir = `/sys/fs/cgroup/${hierarchy}`;
      try {
        for (const entry of readdirSync(dir)) if (/skiff/i.test(entry)) found.push(`cgroup ${dir}/${entry}`);
      } catch {
        // a file, not a hierarchy
      }
    }
  }
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (/skiff-helper|skiff-test-/.test(cmdline)) found.push(`process ${pid}: ${cmdline.trim()}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Only what the suite itself added counts: a machine may have a container of its own running meanwhile. */
export default function setup() {
  const before = new Set(leftovers());
  return () => {
    const left = leftovers().filter((item) => !before.has(item));
    if (left.length) throw new Error(`the test suite left these behind:\n  ${left.join('\n  ')}`);
  };
}
