import { commandName } from '../command-name.js';

/** docker's `container VERB` forms that are the top-level commands (`docker container ls` is `docker ps`). */
const CONTAINER_VERBS: Record<string, string> = {
  ls: 'ps', list: 'ps', ps: 'ps', run: 'run', create: 'create', start: 'start', stop: 'stop', restart: 'restart',
  kill: 'kill', rm: 'rm', remove: 'rm', logs: 'logs', exec: 'exec', inspect: 'inspect', top: 'top', stats: 'stats',
  diff: 'diff', cp: 'cp', rename: 'rename', update: 'update', wait: 'wait', commit: 'commit', export: 'export',
  attach: 'attach', pause: 'pause', unpause: 'unpause', port: 'port',
};

/**
 * Rewrites `skiff [globals] container VERB ARGS` to `skiff [globals] TOPLEVEL ARGS` (and `container inspect` to
 * `inspect --type container`), as docker's management commands alias the top-level ones. Other argv unchanged.
 */
export function containerAliases(argv: string[]): string[] {
  const args = argv.slice(2);
  if (commandName(args) !== 'container') return argv;
  const at = args.indexOf('container');
  const verbAt = args.findIndex((arg, index) => index > at && !arg.startsWith('-'));
  const verb = verbAt < 0 ? undefined : args[verbAt];
  // Options between `container` and the verb (only --help makes sense there) stay with the group.
  if (verb === undefined || verbAt !== at + 1 || !Object.hasOwn(CONTAINER_VERBS, verb)) return argv;
  const target = CONTAINER_VERBS[verb]!;
  return [...argv.slice(0, 2), ...args.slice(0, at), target, ...(target === 'inspect' ? ['--type', 'container'] : []), ...args.slice(verbAt + 1)];
}
