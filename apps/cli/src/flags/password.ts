import { invalidArgument } from '@skiff/plugin/errors';

export interface PasswordFlags {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

/** At most this much is read from --password-stdin: a password, not a stream. */
const MAX_STDIN = 64 * 1024;

/**
 * docker login's user name and password: -u USER with -p PASSWORD or --password-stdin (trailing newline
 * dropped). skiff does not prompt, so without them it is docker's non-TTY error.
 */
export async function readLoginFlags(flags: PasswordFlags, stdin: NodeJS.ReadableStream = process.stdin): Promise<{ username: string; password: string }> {
  if (flags.password !== undefined && flags.passwordStdin) throw invalidArgument('--password and --password-stdin are mutually exclusive');
  if (flags.passwordStdin && !flags.username) throw invalidArgument('Must provide --username with --password-stdin');
  if (!flags.username || (flags.password === undefined && !flags.passwordStdin)) {
    throw invalidArgument('Cannot perform an interactive login from a non TTY device', { hint: 'give -u USER and --password-stdin' });
  }
  let password = flags.password;
  if (flags.passwordStdin) {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stdin) {
      total += (chunk as Buffer).length;
      if (total > MAX_STDIN) throw invalidArgument(`the password on stdin is longer than ${MAX_STDIN} bytes`);
      chunks.push(chunk as Buffer);
    }
    password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  if (!password) throw invalidArgument('Error: Password Required');
  if (flags.username.includes(':')) throw invalidArgument('a user name cannot contain ":"');
  return { username: flags.username, password };
}

/**
 * docker login's server argument: `host[:port]`, also given as a URL (`https://host/v1/`); none is Docker Hub.
 * Returns the registry's domain as references name it.
 */
export function parseServer(server: string | undefined, isDomain: (text: string) => boolean): string {
  if (server === undefined) return 'docker.io';
  // Only a URL has a path to drop: `host/../x` is refused, not read as `host`.
  const url = /^https?:\/\//.test(server);
  const bare = (url ? server.replace(/^https?:\/\//, '').replace(/\/.*$/, '') : server).toLowerCase();
  if (bare === 'index.docker.io' || bare === 'registry-1.docker.io') return 'docker.io';
  if (!bare || !isDomain(bare)) throw invalidArgument(`invalid registry ${JSON.stringify(server)}: expected host or host:port`);
  return bare;
}
