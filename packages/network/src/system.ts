/** The host's tools: `ip` (iproute2) and `nft`, through execa; and the few sysctl files networking needs. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SkiffError } from '@skiff/plugin';

/**
 * One command, its stdin given, its stderr kept for the error. node:child_process rather than execa here: this
 * is on every bridged start's path, and loading execa there cost ~25 ms a run (measured on the project VM);
 * execa stays for what is off the hot path (nftRuleset).
 */
let tiedBy: string | undefined;

/**
 * Runs every tool from here on through `helper tied OUR-PID` (skiff-helper's), so that it dies with us: a `nft -f`
 * or `ip -batch` that outlived a killed CLI would change the host after the next command (which may hold the
 * network lock the moment we die) had rebuilt it from the state — a stale rule or link nobody owns.
 */
export function tieToolsTo(helper: string | undefined): void {
  tiedBy = helper;
}

function run(command: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const argv = tiedBy ? [tiedBy, ['tied', String(process.pid), command, ...args]] as const : [command, args] as const;
    const child = spawn(argv[0], argv[1], { stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const missing = () => `skiff needs ${command} (Debian: apt-get install ${command === 'nft' ? 'nftables' : 'iproute2'})`;
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(new SkiffError('INTERNAL', `cannot run ${command}: ${error.message}`, { hint: error.code === 'ENOENT' ? missing() : undefined, cause: error }));
    });
    child.once('close', (code) => {
      if (code === 0) return resolve();
      // `tied` exits 127 when it cannot find the tool, as a shell would.
      if (code === 127 && tiedBy) return reject(new SkiffError('INTERNAL', `cannot run ${command}: not found`, { hint: missing() }));
      const why = stderr.trim().split('\n')[0] || `exit ${code}`;
      reject(new SkiffError('INTERNAL', `${command} ${args.slice(0, 4).join(' ')}: ${why}`));
    });
    if (input !== undefined) {
      child.stdin!.on('error', () => {}); // an early exit says why through its code
      child.stdin!.end(input);
    }
  });
}

/** Runs `ip` commands, one per line, in one process (`ip -batch -`); in netns `netns` when given. */
export function ipBatch(lines: string[], netns?: string): Promise<void> {
  return run('ip', [...(netns ? ['-n', netns] : []), '-batch', '-'], `${lines.join('\n')}\n`);
}

export const ip = (args: string[]) => run('ip', args);

/** Loads an nft script (one transaction). */
export const nftLoad = (script: string) => run('nft', ['-f', '-'], script);

export async function nftRuleset(): Promise<string> {
  const { execa } = await import('execa');
  return (await execa('nft', ['list', 'ruleset'], { reject: false })).stdout;
}

export const linkExists = (name: string) => existsSync(`/sys/class/net/${name}`);

export function sysctl(path: string, value: string): void {
  const file = `/proc/sys/${path}`;
  if (readFileSync(file, 'utf8').trim() !== value) writeFileSync(file, value);
}
