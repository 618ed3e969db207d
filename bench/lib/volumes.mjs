// 4. Volume write speed: dd overwriting a pre-written file on the host, in a bind volume, in an overlay volume.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUSYBOX, CONFIG } from './config.mjs';
import { SKIFF_UNAVAILABLE } from './skiff.mjs';
import { describeFailure, log, round, stats, STOP, tail } from './util.mjs';

/**
 * `dd` overwrite of a pre-written file, timed inside the container from /proc/uptime (10 ms resolution, about
 * 1.5% of a 1 GiB run here). busybox `date` has no nanoseconds, and `adjtimex` is refused by the default
 * seccomp filter (clock_adjtime), as it is under docker's.
 */
const DD_SCRIPT = (file, mb) =>
  `read a _ < /proc/uptime; dd if=/dev/zero of=${file} bs=1M count=${mb} conv=notrunc,fsync 2>/dev/null || exit 3; read b _ < /proc/uptime; echo "uptime $a $b"`;

function parseDd(stdout) {
  const m = /uptime ([\d.]+) ([\d.]+)/.exec(stdout);
  return m ? (Number(m[2]) - Number(m[1])) * 1000 : null;
}

/** How each target runs the dd script. */
const TARGETS = {
  host: (skiff, dir, mb) => spawnSync(BUSYBOX, ['sh', '-c', DD_SCRIPT(`${dir}/f`, mb)], { encoding: 'utf8' }),
  bind: (skiff, dir, mb) => skiff.sync(['run', '--rm', '-v', `${dir}:/v`, CONFIG.image, 'sh', '-c', DD_SCRIPT('/v/f', mb)], { timeout: 600000 }),
  overlay: (skiff, dir, mb) =>
    skiff.sync(['run', '--rm', '-v', `${dir}:/v:driver=overlay`, CONFIG.image, 'sh', '-c', DD_SCRIPT('/v/f', mb)], { timeout: 600000 }),
};

/** One dd on `key`'s target; returns MB/s. */
function ddOnce(skiff, key, dir, mb) {
  const r = TARGETS[key](skiff, dir, mb);
  if (r.status !== 0) throw new Error(`${key}: ${describeFailure(r)}`);
  const ms = parseDd(r.stdout);
  if (ms == null) throw new Error(`${key}: could not read /proc/uptime around dd (output: ${tail(r.stdout, 200)})`);
  return (mb * 1048576) / 1e6 / (ms / 1000);
}

function summarize(target, host) {
  if (!target.samples.length) return { error: target.errors?.at(-1) ?? 'not run' };
  const s = stats(target.samples);
  const out = { mbPerSec: s.median, samples: target.samples.map((x) => round(x)), ratio: host ? round(s.median / host, 3) : null };
  if (target.errors) Object.assign(out, { failures: target.errors.length, lastError: target.errors.at(-1) });
  return out;
}

async function skiffVolume(skiff, tmp) {
  const mb = CONFIG.ddMB;
  const targets = Object.fromEntries(Object.keys(TARGETS).map((key) => [key, { dir: path.join(tmp, `dd-${key}`), samples: [] }]));
  for (const t of Object.values(targets)) {
    fs.mkdirSync(t.dir, { recursive: true });
    const w = spawnSync(BUSYBOX, ['dd', 'if=/dev/zero', `of=${t.dir}/f`, 'bs=1M', `count=${mb}`, 'conv=fsync'], { stdio: 'ignore' });
    if (w.status !== 0) return { error: `pre-writing ${t.dir}/f failed` };
  }
  for (let rep = 0; rep < CONFIG.ddReps && !STOP.requested; rep++) {
    for (const [key, t] of Object.entries(targets)) {
      try {
        t.samples.push(ddOnce(skiff, key, t.dir, mb));
      } catch (error) {
        t.errors = [...(t.errors ?? []), error.message];
      }
    }
  }
  const out = { mb, reps: CONFIG.ddReps };
  const host = stats(targets.host.samples)?.median;
  for (const [key, t] of Object.entries(targets)) {
    out[key] = summarize(t, host);
    fs.rmSync(t.dir, { recursive: true, force: true });
  }
  return out;
}

/** Section 4: { mb, reps, host, bind, overlay } with MB/s and the ratio to the host dir. */
export async function measureVolumes({ skiff, tmp }) {
  if (skiff.error) return SKIFF_UNAVAILABLE;
  log(`volumes: dd ${CONFIG.ddMB} MB × ${CONFIG.ddReps} on host, bind, overlay`);
  return skiffVolume(skiff, tmp);
}
