/** The host's tools: `ip` (iproute2) and `nft`, through execa; and the few sysctl files networking needs. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SkiffError } from '@skiff/plugin';

async function run(command: string, args: string[], input?: string): Promise<void> {
  const { execa } = await import('execa');
  const result = await execa(command, args, { input, reject: false, stdin: input === undefined ? 'ignore' : 'pipe' });
  if (result.exitCode !== 0) {
    const why = String(result.stderr || result.stdout).trim().split('\n')[0] || `exit ${result.exitCode}`;
    throw new SkiffError('INTERNAL', `${command} ${args.slice(0, 4).join(' ')}: ${why}`, { hint: result.code === 'ENOENT' ? `skiff needs ${command} (Debian: apt-get install ${command === 'nft' ? 'nftables' : 'iproute2'})` : undefined });
  }
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
