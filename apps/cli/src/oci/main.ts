/**
 * skiff-runc: skiff as an OCI runtime, with runc's command line, for containerd's runc shim (BinaryName) and
 * podman (--runtime). Every command is one short process: no daemon, no supervisor; the container's init is
 * reaped by the manager's subreaper. Errors: one line on stderr and in --log, exit 1.
 */
import { parseFlags, list as listOf, str } from './args.js';
import { create } from './create.js';
import { OciError } from './errors.js';
import { exec } from './exec.js';
import { features, list, ps, state } from './info.js';
import { kill, pause, remove, start, update } from './lifecycle.js';
import { Logger, type LogFormat } from './log.js';
import { DEFAULT_ROOT, StateStore, checkId } from './store.js';
import { flushOpened, writeOut } from '../write-out.js';

declare const __SKIFF_VERSION__: string;

const USAGE = `usage: skiff-runc [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND
commands: create start state kill delete exec pause resume ps list update features
`;

const GLOBALS = {
  values: { root: 'root', log: 'log', 'log-format': 'logFormat', criu: 'criu', rootless: 'rootless' },
  booleans: { debug: 'debug', 'systemd-cgroup': 'systemdCgroup', version: 'version', v: 'version', help: 'help', h: 'help' },
};

async function run(argv: string[], setLog: (log: Logger) => void): Promise<number> {
  const { flags, positional } = parseFlags(argv, GLOBALS, 'skiff-runc');
  const format = str(flags.logFormat) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new OciError(`--log-format ${format}: text or json`);
  const log = new Logger(str(flags.log), format as LogFormat, flags.debug === true);
  setLog(log);
  if (flags.version) {
    writeOut(1, `skiff-runc version ${__SKIFF_VERSION__}\nspec: 1.2.0\n`);
    return 0;
  }
  if (flags.systemdCgroup) throw new OciError('--systemd-cgroup is not supported: skiff-runc drives cgroupfs (containerd: SystemdCgroup = false; podman: --cgroup-manager cgroupfs)');
  if (flags.rootless === 'true') throw new OciError('--rootless is not supported: skiff-runc runs as root');
  const [command, ...rest] = positional;
  if (flags.help || !command) {
    writeOut(1, USAGE);
    return flags.help ? 0 : 1;
  }
  const store = new StateStore(str(flags.root) ?? DEFAULT_ROOT);
  const needId = (positional: string[]) => checkId(positional[0]);
  switch (command) {
    case 'create': {
      const p = parseFlags(rest, {
        values: { bundle: 'bundle', b: 'bundle', 'pid-file': 'pidFile', 'console-socket': 'consoleSocket', 'preserve-fds': 'preserveFds' },
        booleans: { 'no-pivot': 'noPivot', 'no-new-keyring': 'noNewKeyring' },
      }, command);
      await create(store, log, {
        id: needId(p.positional),
        bundle: str(p.flags.bundle) ?? process.cwd(),
        pidFile: str(p.flags.pidFile),
        consoleSocket: str(p.flags.consoleSocket),
        preserveFds: Number(str(p.flags.preserveFds) ?? 0),
      });
      return 0;
    }
    case 'start':
      await start(store, log, needId(rest));
      return 0;
    case 'state':
      state(store, needId(rest));
      return 0;
    case 'kill': {
      const p = parseFlags(rest, { booleans: { all: 'all', a: 'all' } }, command);
      await kill(store, needId(p.positional), p.positional[1], p.flags.all === true);
      return 0;
    }
    case 'delete': {
      const p = parseFlags(rest, { booleans: { force: 'force', f: 'force' } }, command);
      await remove(store, log, needId(p.positional), p.flags.force === true);
      return 0;
    }
    case 'pause':
    case 'resume':
      await pause(store, needId(rest), command === 'pause');
      return 0;
    case 'ps': {
      const p = parseFlags(rest, { values: { format: 'format', f: 'format' } }, command);
      await ps(store, needId(p.positional), str(p.flags.format) ?? 'table', p.positional.slice(1));
      return 0;
    }
    case 'list': {
      const p = parseFlags(rest, { values: { format: 'format', f: 'format' }, booleans: { quiet: 'quiet', q: 'quiet' } }, command);
      list(store, str(p.flags.format) ?? 'table', p.flags.quiet === true);
      return 0;
    }
    case 'features':
      features();
      return 0;
    case 'update': {
      const p = parseFlags(rest, { values: { resources: 'resources', r: 'resources' } }, command);
      await update(store, log, needId(p.positional), str(p.flags.resources));
      return 0;
    }
    case 'exec': {
      const p = parseFlags(rest, {
        values: {
          process: 'process', p: 'process', 'pid-file': 'pidFile', 'console-socket': 'consoleSocket', cwd: 'cwd', env: 'env', e: 'env',
          user: 'user', u: 'user', cap: 'cap', c: 'cap', 'additional-gids': 'gids', g: 'gids', 'process-label': 'label', apparmor: 'apparmor',
          'preserve-fds': 'preserveFds', cgroup: 'cgroup',
        },
        booleans: { detach: 'detach', d: 'detach', tty: 'tty', t: 'tty', 'no-new-privs': 'noNewPrivs', 'ignore-paused': 'ignorePaused' },
        repeated: ['env', 'cap', 'gids'],
      }, command);
      for (const flag of ['label', 'apparmor', 'cgroup'] as const) if (str(p.flags[flag])) throw new OciError(`exec: --${flag === 'label' ? 'process-label' : flag} is not supported by skiff-runc`);
      if (Number(str(p.flags.preserveFds) ?? 0)) throw new OciError('exec: --preserve-fds is not supported by skiff-runc');
      const [id, ...args] = p.positional;
      if (!str(p.flags.process) && args.length === 0) throw new OciError('exec: give --process FILE or a command after the container id');
      return exec(store, {
        warn: (message) => log.warn(message),
        id: checkId(id),
        processFile: str(p.flags.process),
        args,
        detach: p.flags.detach === true,
        tty: p.flags.tty === true,
        pidFile: str(p.flags.pidFile),
        consoleSocket: str(p.flags.consoleSocket),
        cwd: str(p.flags.cwd),
        env: listOf(p.flags.env),
        user: str(p.flags.user),
        caps: listOf(p.flags.cap),
        noNewPrivs: p.flags.noNewPrivs === true,
        additionalGids: listOf(p.flags.gids).flatMap((g) => g.split(',')),
      });
    }
    default:
      throw new OciError(`unknown command ${JSON.stringify(command)}: ${USAGE.split('\n')[1]}`);
  }
}

async function main(): Promise<void> {
  let log = new Logger(undefined, 'text', false);
  let code: number;
  try {
    code = await run(process.argv.slice(2), (l) => (log = l));
  } catch (error) {
    log.error(error instanceof Error ? error.message : String(error));
    code = error instanceof OciError ? error.exitCode : 1;
  }
  await flushOpened();
  process.exit(code);
}

void main();
