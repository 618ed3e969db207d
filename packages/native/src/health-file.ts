import { readFileSync } from 'node:fs';

/**
 * The health state a detached container's supervisor writes after each probe (keep in sync with c/health.c):
 *
 *   skiff-health 1\n
 *   status starting|healthy|unhealthy\n
 *   streak N\n
 *   probe START_MS END_MS EXIT LENGTH\n<LENGTH bytes>\n      (the last five, oldest first)
 *   end\n
 *
 * It is rewritten in place: what follows `end` is stale, and a state without `end` was read mid-write.
 * EXIT is -1 when the probe timed out or could not start.
 */
export interface HealthState {
  status: 'starting' | 'healthy' | 'unhealthy';
  failingStreak: number;
  log: { startMs: number; endMs: number; exitCode: number; output: string }[];
}

/** Parses the state file; undefined if it is missing or not in this format (never throws). A read that met a
 * write in progress is tried again. */
export function readHealthFile(path: string): HealthState | undefined {
  for (let attempt = 0; attempt < 3; attempt++) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      return undefined;
    }
    const state = parseHealthState(bytes);
    if (state) return state;
  }
  return undefined;
}

export function parseHealthState(bytes: Buffer): HealthState | undefined {
  let at = 0;
  const line = (): string | undefined => {
    const end = bytes.indexOf(10, at);
    if (end < 0) return undefined;
    const text = bytes.subarray(at, end).toString('latin1');
    at = end + 1;
    return text;
  };
  if (line() !== 'skiff-health 1') return undefined;
  const status = /^status (starting|healthy|unhealthy)$/.exec(line() ?? '')?.[1] as HealthState['status'] | undefined;
  const streak = /^streak (\d+)$/.exec(line() ?? '')?.[1];
  if (!status || streak === undefined) return undefined;
  const log: HealthState['log'] = [];
  for (;;) {
    const text = line();
    if (text === 'end') break;
    const probe = /^probe (\d+) (\d+) (-?\d+) (\d+)$/.exec(text ?? '');
    if (!probe) return undefined;
    const length = Number(probe[4]);
    if (at + length + 1 > bytes.length) return undefined;
    log.push({ startMs: Number(probe[1]), endMs: Number(probe[2]), exitCode: Number(probe[3]), output: bytes.subarray(at, at + length).toString('utf8') });
    at += length + 1;
  }
  return { status, failingStreak: Number(streak), log };
}
