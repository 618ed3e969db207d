import { invalidArgument } from '@skiff/plugin/errors';
import { parseDetachKeys } from './detach-keys.js';

/** run's attach flags as commander hands them over. */
export interface AttachFlags {
  detach?: boolean;
  attach?: string[];
  sigProxy?: boolean;
  detachKeys: string;
}

const STREAMS = ['stdin', 'stdout', 'stderr'] as const;
type Stream = (typeof STREAMS)[number];

/** -a, --sig-proxy and --detach-keys of `run`, checked as docker checks them. */
export function attachOptions(flags: AttachFlags): { attach?: Stream[]; forwardSignals: boolean; detachKeys: Uint8Array } {
  if (flags.detach && flags.attach?.length) throw invalidArgument('Conflicting options: -a and -d');
  if (flags.detach && flags.sigProxy !== undefined) throw invalidArgument('Conflicting options: --sig-proxy and -d');
  const attach = parseAttachStreams(flags.attach);
  return { ...(attach ? { attach } : {}), forwardSignals: flags.sigProxy ?? true, detachKeys: parseDetachKeys(flags.detachKeys) };
}

/** -a of `run` and `create`: stdin, stdout or stderr in any case, as docker. */
export function parseAttachStreams(streams: string[] | undefined): Stream[] | undefined {
  return streams?.map((stream) => {
    const name = stream.toLowerCase();
    if (!(STREAMS as readonly string[]).includes(name)) throw invalidArgument(`invalid argument "${stream}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`);
    return name as Stream;
  });
}
