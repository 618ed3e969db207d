// Escape 4's race, for any client that runs containers with docker run's flags (the skiff CLI, the docker CLI
// through the Docker API service): a missing bind source dir is swapped for a symlink between check and mount.
import { lstatSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../test/support.js';

type Run = (args: string[]) => Promise<{ exitCode?: number; stdout: unknown }>;

/**
 * An attacker container with the parent as a volume swaps every real directory `d` that appears for a symlink
 * to a victim (alternately a 0700 directory and a 0600 file) while `run` starts victims with `-v PARENT/d:/data`.
 * Returns what the victims read of the secrets (nothing, when the bind is made safely) and the victims' modes.
 */
export async function bindSwapRace(run: Run, iterations = 30): Promise<{ leaks: string[]; attackerStarted: boolean; modes: number[] }> {
  const base = tempDir();
  const shared = join(base, 'shared');
  mkdirSync(shared);
  const victimDir = join(base, 'victim-dir');
  mkdirSync(victimDir, { mode: 0o700 });
  writeFileSync(join(victimDir, 'secret'), 'TOPSECRET-DIR\n');
  const victimFile = join(base, 'victim-file');
  writeFileSync(victimFile, 'TOPSECRET-FILE\n', { mode: 0o600 });
  const attack = [
    'i=0; while :; do',
    '  if [ -d /p/d ] && [ ! -L /p/d ]; then',
    `    i=$((i+1)); if [ $((i % 2)) = 0 ]; then t=${victimDir}; else t=${victimFile}; fi`,
    // -T: should d be a directory again by then (skiff made it anew), no link lands inside it.
    '    rmdir /p/d 2>/dev/null && ln -sT "$t" /p/d',
    '  fi',
    'done',
  ].join('\n');
  const attacker = await run(['run', '-d', '--name', 'attacker', '-v', `${shared}:/p`, 'busybox', 'sh', '-c', attack]);
  const leaks: string[] = [];
  const deadline = Date.now() + 25_000;
  for (let iteration = 0; attacker.exitCode === 0 && iteration < iterations && Date.now() < deadline; iteration++) {
    // Fresh: missing when skiff checks it. The attacker swaps every real directory d (the last victim's) for a
    // symlink: wait until it has, so no swap of its is still under way, then remove the symlink. (Removing the
    // directory ourselves raced its `rmdir && ln -s`: the symlink could land after our removal and before the next
    // run's check, and a symlink given to -v is followed, as docker does: a "leak" of the test's own making.)
    await settledSwap(join(shared, 'd'));
    rmSync(join(shared, 'd'), { force: true });
    const victim = await run(['run', '--rm', '-v', `${join(shared, 'd')}:/data`, 'busybox', 'sh', '-c', 'cat /data/secret /data 2>/dev/null; true']);
    if (String(victim.stdout).includes('TOPSECRET')) leaks.push(String(victim.stdout));
  }
  await run(['rm', '-f', 'attacker']);
  return { leaks, attackerStarted: attacker.exitCode === 0, modes: [victimFile, victimDir].map((path) => lstatSync(path).mode & 0o7777) };
}

/**
 * Waits (10 s at most) until the attacker is done with `path`: a symlink (it swapped the directory), or missing
 * for 500 ms on end (not merely between its rmdir and its ln).
 */
async function settledSwap(path: string): Promise<void> {
  const kind = () => {
    try {
      return lstatSync(path).isSymbolicLink() ? 'symlink' : 'directory';
    } catch {
      return 'missing';
    }
  };
  let missingSince: number | undefined;
  for (const deadline = Date.now() + 10_000; ; await new Promise((resolve) => setTimeout(resolve, 10))) {
    const now = kind();
    if (now === 'symlink') return;
    missingSince = now === 'missing' ? (missingSince ?? Date.now()) : undefined;
    if (missingSince !== undefined && Date.now() - missingSince >= 500) return;
    if (Date.now() > deadline) throw new Error(`the attacker left ${path} a ${now} for 10 s: is it still running?`);
  }
}
