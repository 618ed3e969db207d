import { Command, Option } from 'commander';
import type { GlobalOptions } from '../context.js';
import { collect } from '../flags/collect.js';
import { toRunOptions, type RunFlags } from '../flags/run-options.js';
import { requireTerminalStdin } from '../flags/tty.js';
import { parseBool } from '../flags/bool.js';
import { attachOptions, parseAttachStreams, type AttachFlags } from '../flags/attach.js';
import { DEFAULT_DETACH_KEYS } from '../flags/detach-keys.js';
import type { Want } from './want.js';
import { checkHostOnlyFlags } from '../flags/host-only.js';

const warnAll = (warnings: string[]) => {
  for (const warning of warnings) process.stderr.write(`skiff: warning: ${warning}\n`);
};

/** The options `run` and `create` share: docker's names and meanings. */
function containerOptions(command: Command): Command {
  return command
    .helpOption('--help', 'display help for command')
    .argument('<image>', 'image name (busybox is built from the host on first use)')
    .argument('[command...]', 'command and arguments; everything after IMAGE belongs to it')
    .passThroughOptions()
    .option('-i, --interactive', 'keep stdin attached')
    .option('-t, --tty', 'allocate a pseudo-terminal')
    .option('--rm', 'remove the container when it exits (volume data is kept)')
    .option('--init', 'run a minimal init as PID 1 that forwards signals and reaps zombies')
    .option('--name <name>', 'assign a name to the container')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable; KEY alone copies it from this shell)', collect)
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-h, --hostname <name>', 'container host name (default: first 12 digits of the id)')
    .option(
      '-v, --volume <spec>',
      'mount a host directory: HOST:CONTAINER[:OPTIONS], OPTIONS a comma list of ro, rw, driver=NAME, KEY=VALUE (repeatable)',
      collect,
    )
    .option('--mount <spec>', 'type=bind,source=/host,target=/path[,readonly][,volume-driver=overlay] (repeatable)', collect)
    .option('--volume-driver <name>', "volume driver for volumes that name none (bind, overlay, or a plugin's)")
    .option('--volumes-from <container[:ro|rw]>', "mount every volume of another container (repeatable; :ro/:rw override each volume's mode)", collect)
    .option('--storage-driver <name>', "root filesystem driver (overlay, aufs, vfs, or a plugin's)")
    .option('--network <network>', "bridge (docker's default), host, none, container:NAME, or a network from 'skiff network create'")
    .option('-p, --publish <spec>', 'publish a container port: [IP:][HOST[-HOST]:]CONTAINER[-CONTAINER][/tcp|/udp] (repeatable)', collect)
    .option('-P, --publish-all', "publish every port the image exposes on a free host port")
    .option('--network-alias <name>', 'another name the container has on a user network (repeatable)', collect)
    .option('--dns <ip>', 'a nameserver for /etc/resolv.conf (repeatable)', collect)
    .option('--dns-search <domain>', 'a search domain for /etc/resolv.conf (repeatable)', collect)
    .option('--dns-option <option>', 'an option for /etc/resolv.conf, e.g. ndots:2 (repeatable)', collect)
    .option('--ip <address>', "the container's IPv4 address on its user network (from the network's subnet)")
    .option('--ip6 <address>', "refused: skiff's networks are IPv4 only")
    .option('--mac-address <mac>', "the container's MAC address on its network, e.g. 92:d0:c6:0a:29:33")
    .option('--link-local-ip <address>', "another address on the container's interface, from 169.254.0.0/16 or fe80::/10 (repeatable)", collect)
    .option('--link <name[:alias]>', "legacy link: another running container's address in /etc/hosts, as its name and ALIAS (repeatable)", collect)
    .option('--add-host <host:ip>', 'an /etc/hosts line: NAME:IP, IP may be host-gateway (repeatable)', collect)
    .option('-m, --memory <bytes>', 'memory limit (b, k, m, g suffixes); swap is limited to the same unless --memory-swap')
    .option('--memory-swap <bytes>', 'memory + swap limit; -1 for unlimited swap')
    .option('--cpus <number>', 'number of CPUs (fractional: 0.5)')
    .option('--cpu-shares <number>', 'relative CPU weight (default 1024)')
    .option('--cpuset-cpus <list>', 'CPUs the container may use (0-1, 0,2)')
    .option('--cpuset-mems <list>', 'memory nodes the container may use')
    .option('--pids-limit <number>', 'maximum number of processes (-1 for unlimited)')
    .option('--cgroup-parent <path>', "cgroup that holds the container's cgroup (env SKIFF_CGROUP_PARENT; default skiff)")
    .option('--log-opt <KEY=VALUE>', 'log rotation of detached containers: max-size=10m, max-file=3 (repeatable)', collect)
    .option('-u, --user <user>', "USER[:GROUP], names or numbers from the image's /etc/passwd and /etc/group")
    .option('--read-only', 'mount the root filesystem read-only (volumes and --tmpfs stay writable)')
    .option('--tmpfs <path>', 'mount a tmpfs: PATH[:OPTIONS], e.g. /run:size=64m (repeatable)', collect)
    .option('--cap-add <cap>', 'add a capability, e.g. NET_ADMIN, or ALL (repeatable)', collect)
    .option('--cap-drop <cap>', 'drop a capability, e.g. CHOWN, or ALL (repeatable)', collect)
    .option('--security-opt <option>', 'no-new-privileges, or seccomp=unconfined (repeatable)', collect)
    .option('--device <spec>', 'add a host device: HOST[:CONTAINER[:rwm]] (repeatable)', collect)
    .option('--privileged', 'lift the isolation defaults: all capabilities, no seccomp filter, no masked paths, all devices')
    .addOption(new Option('--pull <policy>', 'pull the image before running').choices(['missing', 'always', 'never']).default('missing'))
    .option('--platform <os/arch>', "platform to pull from a multi-platform image (default: this host's)")
    .option('--health-cmd <command>', 'command run in the container (by its supervisor) to check its health')
    .option('--health-interval <duration>', 'time between checks (default 30s)')
    .option('--health-timeout <duration>', 'time a check may take (default 30s)')
    .option('--health-start-period <duration>', 'time to start during which failures do not count (default 0s)')
    .option('--health-start-interval <duration>', 'time between checks during the start period (default 5s)')
    .option('--health-retries <n>', 'failures in a row before unhealthy (default 3)')
    .option('--no-healthcheck', 'disable any health check')
    .option('--sysctl <KEY=VALUE>', "set a kernel parameter of the container's namespaces (net.*, kernel.shm*, ...; repeatable)", collect)
    .option('--ulimit <NAME=SOFT[:HARD]>', 'set a resource limit, e.g. nofile=1024:2048 (repeatable)', collect)
    .option('--shm-size <bytes>', 'size of /dev/shm (b, k, m, g suffixes; default 64m)')
    .option('--group-add <group>', 'add a supplementary group, a name or a number (repeatable)', collect)
    .option('--oom-kill-disable', 'do not kill the container when it exceeds its memory limit (cgroup v1)')
    .option('--pid <mode>', "pid namespace: host, or container:NAME (default: the container's own)")
    .option('--ipc <mode>', 'IPC namespace: private (default), shareable, host, or container:NAME')
    .option('--restart <policy>', 'no, always, unless-stopped or on-failure[:max-retries] (carried out by the container\'s init)')
    .option('--entrypoint <command>', "overwrite the image's entrypoint (its Cmd is then not used; '' clears it)")
    .option('--env-file <file>', 'read KEY=VALUE lines into the environment, before -e (repeatable)', collect)
    .option('-l, --label <KEY=VALUE>', 'set a label (repeatable)', collect)
    .option('--label-file <file>', 'read KEY=VALUE lines as labels, before -l (repeatable)', collect)
    .option('--stop-signal <signal>', "signal stop sends first (default: the image's StopSignal, else SIGTERM)")
    .option('--stop-timeout <seconds>', 'seconds stop waits before SIGKILL when given no -t (default 10)')
    .option('--cidfile <file>', 'write the container id to this file (which must not exist)')
    .option('--cpu-period <microseconds>', 'CFS period of the CPU limit (1000-1000000; not with --cpus)')
    .option('--cpu-quota <microseconds>', 'CPU time per --cpu-period the container may use (at least 1000; -1 for none; not with --cpus)')
    .option('--cpu-rt-period <microseconds>', 'real-time period of the CPU scheduler (cgroup v1 with RT group scheduling)')
    .option('--cpu-rt-runtime <microseconds>', "real-time CPU time per period for the container's SCHED_FIFO/RR tasks (needs --cap-add SYS_NICE to use)")
    .option('--memory-reservation <bytes>', 'soft memory limit, kept under memory pressure (b, k, m, g suffixes)')
    .option('--memory-swappiness <0-100>', "how eagerly the kernel swaps the container's memory (cgroup v1)")
    .option('--kernel-memory <bytes>', 'deprecated by docker; accepted and discarded with a warning')
    .option('--blkio-weight <weight>', 'relative block I/O weight, 10-1000 (needs the BFQ or CFQ I/O scheduler)')
    .option('--blkio-weight-device <device:weight>', 'block I/O weight of one device, e.g. /dev/sda:200 (repeatable)', collect)
    .option('--device-read-bps <device:rate>', 'limit reads from a block device, e.g. /dev/sda:1mb (repeatable)', collect)
    .option('--device-write-bps <device:rate>', 'limit writes to a block device, e.g. /dev/sda:1mb (repeatable)', collect)
    .option('--device-read-iops <device:rate>', 'limit read operations per second on a block device, e.g. /dev/sda:100 (repeatable)', collect)
    .option('--device-write-iops <device:rate>', 'limit write operations per second on a block device (repeatable)', collect)
    .option('--device-cgroup-rule <rule>', "allow devices by number in the devices cgroup, e.g. 'c 42:* rmw' (repeatable)", collect)
    .option('--oom-score-adj <score>', "the container's OOM killer preference, -1000 to 1000")
    .option('--uts <mode>', "UTS namespace: host shares the host's host name (default: the container's own)")
    .option('--cgroupns <mode>', 'cgroup namespace: private (its own cgroup is its /) or host (the default on cgroup v1)')
    .option('--domainname <name>', "the container's NIS domain name")
    .option('--annotation <KEY=VALUE>', 'add an annotation to the container, shown by inspect (repeatable)', collect)
    .option('--expose <port>', 'expose a port or range without publishing it: 80, 53/udp, 8000-8010 (repeatable)', collect)
    .option('--userns <mode>', "user namespace: host (the only mode; skiff does not remap users)")
    .option('--isolation <technology>', "isolation technology: default (the only one on Linux)")
    .option('--runtime <name>', 'runtime: skiff (runc, docker\'s default name, is accepted as this one)')
    .option('--use-api-socket', "refused: skiff has no daemon socket to share (see 'skiff system service')")
    .option('--gpus <devices>', 'refused: skiff has no GPU device driver (use --device for device nodes)')
    .option('--storage-opt <option>', 'refused: the storage drivers have no per-container size quota', collect)
    .option('--log-driver <driver>', "logging driver: json-file or local (skiff's own log either way)")
    .option('--cpu-count <n>', 'Windows only: accepted and discarded with a warning')
    .option('--cpu-percent <n>', 'Windows only: accepted and discarded with a warning')
    .option('--io-maxbandwidth <bytes>', 'Windows only: refused on Linux')
    .option('--io-maxiops <n>', 'Windows only: refused on Linux')
    .option('--disable-content-trust', 'skip image verification (the default: skiff has no content trust; =false is accepted too)')
    .option('-q, --quiet', 'suppress the pull output');
}

export function defineRun(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('run'))
    containerOptions(program.command('run').description('run a command in a new container'))
      .option('-d, --detach', 'run in the background and print the container id')
      .option('-a, --attach <stream>', 'attach to stdin, stdout or stderr (repeatable; default all three)', collect)
      .addOption(new Option('--sig-proxy <bool>', 'proxy received signals to the container (true|false)').argParser((value) => parseBool(value, '--sig-proxy')))
      .option('--detach-keys <keys>', 'with -it: the key sequence that detaches, leaving the container running', DEFAULT_DETACH_KEYS)
      .action(async (image: string, command: string[], flags: RunFlags & AttachFlags) => {
        requireTerminalStdin(flags);
        const attach = attachOptions(flags);
        const options = toRunOptions(image, command, flags);
        warnAll(checkHostOnlyFlags(flags));
        const [{ createContext }, { ensureImage }] = await Promise.all([import('../context.js'), import('../pull.js')]);
        const cidfile = flags.cidfile === undefined ? undefined : (await import('../flags/cidfile.js')).openCidFile(flags.cidfile);
        let made = false;
        const result = await (async () => {
          const context = await createContext(globals());
          await ensureImage(context, image, flags.pull, flags.platform, flags.quiet);
          return context.runtime.run({ ...options, ...attach, detach: flags.detach ?? false, created: (id) => ((made = true), cidfile?.write(id)) });
        })().catch((error: unknown) => {
          if (!made) cidfile?.discard();
          throw error;
        });
        warnAll(result.warnings);
        if (flags.detach) process.stdout.write(`${result.id}\n`);
        if (result.oomKilled) {
          process.stderr.write(`skiff: container ${result.name} was killed: out of memory (memory limit ${flags.memory})\n`);
        }
        process.exitCode = result.exitCode;
      });

  if (want('create'))
    containerOptions(program.command('create').description('create a container without starting it'))
      .option('-a, --attach <stream>', 'attach to stdin, stdout or stderr (repeatable; recorded as Config.AttachStdin/Stdout/Stderr)', collect)
      .action(async (image: string, command: string[], flags: RunFlags & Pick<AttachFlags, 'attach'>) => {
        const attach = parseAttachStreams(flags.attach);
        const options = { ...toRunOptions(image, command, flags), ...(attach ? { attach } : {}) };
        warnAll(checkHostOnlyFlags(flags));
        const [{ createContext }, { ensureImage }] = await Promise.all([import('../context.js'), import('../pull.js')]);
        const cidfile = flags.cidfile === undefined ? undefined : (await import('../flags/cidfile.js')).openCidFile(flags.cidfile);
        try {
          const context = await createContext(globals());
          await ensureImage(context, image, flags.pull, flags.platform, flags.quiet);
          const { id } = await context.runtime.create(options);
          cidfile?.write(id);
          process.stdout.write(`${id}\n`);
        } catch (error) {
          cidfile?.discard();
          throw error;
        }
      });
}

