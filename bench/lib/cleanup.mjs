// The end-of-run check: nothing of this run may be left (mounts under the temp dir, processes, cgroups). What is
// found is removed by path or PID and reported.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RUN_TAG, SKIFF_CGROUP_PARENT } from './config.mjs';
import { alive, cgroupDirs, killPid, listPids, mountPoints, procInfo } from './host.mjs';

/** Processes that refer to the temp dir (command line, exe or environment): killed by PID. */
function killOurProcesses(tmp, problems) {
  const ours = listPids()
    .filter((pid) => pid !== process.pid)
    .map(procInfo)
    .filter((p) => p && (p.cmdline.join(' ').includes(tmp) || p.exe?.startsWith(tmp) || p.environ.includes(tmp)));
  for (const p of ours) {
    problems.push(`process ${p.pid} (${p.cmdline.join(' ').slice(0, 80)}) was still running: killed`);
    killPid(p.pid);
  }
  return ours;
}

/** Mounts in the host namespace under the temp dir: unmounted. Returns those that could not be. */
function unmountUnder(tmp, mountsBefore, problems) {
  const under = () => mountPoints().filter((m) => m === tmp || m.startsWith(`${tmp}/`));
  const left = under();
  for (const m of [...left].reverse()) spawnSync('umount', [m], { stdio: 'ignore' });
  const stillLeft = under();
  if (left.length) problems.push(`${left.length} mount(s) under ${tmp} were left in the host namespace: ${left.join(', ')}${stillLeft.length ? ' (could not unmount)' : ' (unmounted)'}`);
  const newMounts = mountPoints().filter((m) => !mountsBefore.has(m) && !m.startsWith(tmp));
  if (newMounts.length) problems.push(`new mounts appeared elsewhere during the run (maybe not ours): ${newMounts.slice(0, 10).join(', ')}`);
  return stillLeft;
}

/**
 * Cgroups: everything of this run is named skb<pid>-*: runc/crun containers skb<pid>-runc-N / -crun-N, and skiff's
 * containers under the parent skb<pid>-skiff (SKIFF_CGROUP_PARENT). Ours are removed; others' only mentioned.
 */
function removeOurCgroups(cgroupsBefore, problems) {
  const fresh = [...cgroupDirs()].filter((d) => !cgroupsBefore.has(d));
  const mine = fresh.filter((d) => d.includes(`/${RUN_TAG}-`));
  const skiffParent = (d) => path.basename(d) === SKIFF_CGROUP_PARENT;
  const leaked = mine.filter((d) => !skiffParent(d));
  for (const d of mine.sort((a, b) => b.length - a.length)) {
    try {
      fs.rmdirSync(d);
    } catch {}
  }
  const notRemovable = mine.filter((d) => fs.existsSync(d));
  if (leaked.length) {
    const names = [...new Set(leaked.map((d) => d.replace(/^\/sys\/fs\/cgroup\/[^/]+/, '')))];
    const removed = leaked.length - notRemovable.filter((d) => !skiffParent(d)).length;
    problems.push(`cgroups were left behind by the runtimes: ${names.slice(0, 6).join(', ')}${names.length > 6 ? ' …' : ''} (in ${leaked.length} hierarchy dirs; the bench removed ${removed})`);
  }
  if (notRemovable.length) problems.push(`could not remove cgroup dirs (processes still in them?): ${notRemovable.slice(0, 6).join(', ')}`);
  const others = fresh.filter((d) => !mine.includes(d) && fs.existsSync(d));
  return others.length ? `${others.length} cgroup dirs appeared during the run that are not this run's (other work on this machine), e.g. ${others.slice(0, 3).join(', ')}` : undefined;
}

/** Verifies nothing is left behind, removes what is, then removes the temp dir (unless a mount remains under it). */
export function cleanup(tmp, mountsBefore, cgroupsBefore) {
  const out = { problems: [] };
  const ours = killOurProcesses(tmp, out.problems);
  const stillLeft = unmountUnder(tmp, mountsBefore, out.problems);
  const othersCgroups = removeOurCgroups(cgroupsBefore, out.problems);
  if (othersCgroups) out.othersCgroups = othersCgroups;
  if (!stillLeft.length) fs.rmSync(tmp, { recursive: true, force: true });
  else out.problems.push(`kept ${tmp} because mounts remain under it`);
  out.verified = {
    mountsUnderTmp: mountPoints().filter((m) => m.startsWith(tmp)).length,
    processesOfOurs: ours.filter((p) => alive(p.pid)).length,
    tmpRemoved: !fs.existsSync(tmp),
  };
  out.summary = out.problems.length
    ? out.problems.join('; ')
    : `verified: no mount under ${tmp} in /proc/self/mountinfo, no process of this run left, no cgroup of this run left (skiff's under the parent ${SKIFF_CGROUP_PARENT}, removed), temp dir removed`;
  return out;
}
