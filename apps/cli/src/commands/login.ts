import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';
import { parseServer, readLoginFlags, type PasswordFlags } from '../flags/password.js';

/** Whether `text` is a registry domain (`host`, `host:port`), judged by the reference parser. */
async function domainCheck(): Promise<(text: string) => boolean> {
  const { parseReference } = await import('@skiff/image');
  return (text) => {
    try {
      return parseReference(`${text}/probe`).domain === text;
    } catch {
      return false;
    }
  };
}

/** login, logout: credentials for a registry, checked against it, kept 0600 in <root>/auth.json. */
export function defineLogin(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('login'))
    program
      .command('login')
      .description('log in to a registry (checked against it; stored 0600 under the state root)')
      .argument('[server]', 'registry host[:port] (default Docker Hub)')
      .option('-u, --username <user>', 'user name')
      .option('-p, --password <password>', 'password (prefer --password-stdin)')
      .option('--password-stdin', 'take the password from stdin')
      .action(async (server: string | undefined, flags: PasswordFlags) => {
        const registry = parseServer(server, await domainCheck());
        const credentials = await readLoginFlags(flags);
        if (flags.password !== undefined) process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
        const { createContext } = await import('../context.js');
        const image = await import('@skiff/image');
        const { root } = (await createContext(globals())).roots;
        await image.verifyLogin(registry, credentials, await image.readRegistrySettings(root));
        await image.writeCredentials(root, registry, credentials);
        process.stdout.write('Login Succeeded\n');
      });

  if (want('logout'))
    program
      .command('logout')
      .description("remove a registry's stored credentials")
      .argument('[server]', 'registry host[:port] (default Docker Hub)')
      .action(async (server: string | undefined) => {
        const registry = parseServer(server, await domainCheck());
        const { createContext } = await import('../context.js');
        const image = await import('@skiff/image');
        const had = await image.writeCredentials((await createContext(globals())).roots.root, registry, undefined);
        process.stdout.write(had ? `Removing login credentials for ${registry}\n` : `Not logged in to ${registry}\n`);
      });
}
