/**
 * docker run flags that have no meaning for a daemonless runtime on Linux, handled as docker's Linux daemon
 * handles them: refused with one line (--isolation other than default, --userns other than host, --gpus, --use-api-socket,
 * --runtime other than skiff's, --storage-opt, --io-maxbandwidth/--io-maxiops), or accepted with a warning that
 * says what was discarded (--kernel-memory, --cpu-count, --cpu-percent), or accepted as the only choice there is
 * (--log-driver json-file, --disable-content-trust).
 */
import { invalidArgument as invalid } from '@skiff/plugin/errors';

export interface HostOnlyFlags {
  isolation?: string;
  userns?: string;
  gpus?: string;
  runtime?: string;
  storageOpt?: string[];
  ioMaxbandwidth?: string;
  ioMaxiops?: string;
  kernelMemory?: string;
  cpuCount?: string;
  cpuPercent?: string;
  logDriver?: string;
  useApiSocket?: boolean;
}

/** The runtime names `--runtime` accepts: this one (docker's default name for it is runc). */
const RUNTIMES = new Set(['skiff', 'runc', '']);

/** Throws for a flag that cannot apply; returns the warnings for those accepted and discarded. */
export function checkHostOnlyFlags(flags: HostOnlyFlags): string[] {
  const given = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';
  if (given(flags.isolation) && flags.isolation !== 'default') {
    throw invalid(`invalid --isolation ${JSON.stringify(flags.isolation)}: Linux only supports 'default'`);
  }
  if (given(flags.userns) && flags.userns !== 'host') {
    throw invalid(`invalid --userns ${JSON.stringify(flags.userns)}: skiff run has no user namespace remapping; use --userns=host or leave it out`);
  }
  if (flags.useApiSocket) {
    throw invalid("--use-api-socket: skiff has no daemon whose socket it could share; start 'skiff system service' and bind its socket with -v");
  }
  if (given(flags.gpus)) throw invalid('--gpus: could not select device driver "" with capabilities: [[gpu]] (skiff has no GPU device driver)');
  if (flags.runtime !== undefined && !RUNTIMES.has(flags.runtime)) {
    throw invalid(`unknown or invalid runtime name: ${flags.runtime}`, { hint: 'skiff runs containers itself; --runtime accepts only skiff (or runc, docker\'s name for the default)' });
  }
  if (flags.storageOpt?.length) {
    throw invalid('--storage-opt is not supported: the storage drivers have no per-container size quota (docker\'s needs overlay over xfs with pquota)');
  }
  for (const [flag, value] of [['--io-maxbandwidth', flags.ioMaxbandwidth], ['--io-maxiops', flags.ioMaxiops]] as const) {
    if (given(value) && value.trim() !== '0') throw invalid(`Invalid QoS settings: linux does not support Maximum IO Bandwidth or Maximum IO IOps (${flag}; use --device-read-bps/--device-write-iops)`);
  }
  if (given(flags.logDriver) && flags.logDriver !== 'json-file' && flags.logDriver !== 'local') {
    throw invalid(`invalid --log-driver ${JSON.stringify(flags.logDriver)}: skiff keeps every container's log itself (json-file or local, both its own format)`);
  }
  const warnings: string[] = [];
  if (given(flags.kernelMemory) && flags.kernelMemory.trim() !== '0') {
    warnings.push('kernel memory limits are deprecated and not supported by this kernel: --kernel-memory discarded');
  }
  if (given(flags.cpuCount) && flags.cpuCount.trim() !== '0') warnings.push('linux does not support CPU count: --cpu-count discarded (use --cpus)');
  if (given(flags.cpuPercent) && flags.cpuPercent.trim() !== '0') warnings.push('linux does not support CPU percent: --cpu-percent discarded (use --cpus)');
  return warnings;
}
