// 5. Stdio relay throughput: N MB through `cat` in a container (`skiff run --rm -i IMAGE cat`) against the same
// through a plain host pipe (busybox `cat` on the host), interleaved run by run.
//
// The feeder is `busybox head -c N /dev/zero`, piped straight into the command's stdin; the bench reads the
// command's stdout and counts the bytes. The rate is taken from the first byte out to the last, so skiff's start
// (section 1) is left out; the wall time from spawn to exit is reported beside it. Whatever skiff puts between the
// caller's pipes and the container's (the caller's fds handed in, or a relay through the helper) is what is measured.
import { spawn } from 'node:child_process';
import { BUSYBOX, CONFIG } from './config.mjs';
import { SKIFF_UNAVAILABLE } from './skiff.mjs';
import { log, nowMs, round, stats, STOP, tail } from './util.mjs';

/** Feeds `bytes` zero bytes to `cmd args` and counts its output: { ms, transferMs, mbPerSec } or throws. */
function pipeOnce(cmd, args, env, bytes) {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const feeder = spawn(BUSYBOX, ['head', '-c', String(bytes), '/dev/zero'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const child = spawn(cmd, args, { env, stdio: [feeder.stdout, 'pipe', 'pipe'] });
    feeder.stdout.destroy(); // the child holds the read end now; ours would only keep the feeder from a SIGPIPE
    let count = 0;
    let first = null;
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      if (first === null) first = { at: nowMs(), length: chunk.length };
      count += chunk.length;
    });
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const end = nowMs();
      if (code !== 0) return reject(new Error(`${signal ? `killed by ${signal}` : `exit ${code}`}: ${tail(stderr, 300)}`));
      if (count !== bytes) return reject(new Error(`${count} bytes came out of ${bytes} fed in`));
      const transferMs = end - first.at;
      resolve({ ms: end - t0, transferMs, mbPerSec: (count - first.length) / 1e3 / transferMs });
    });
  });
}

function summarize(samples, errors, host) {
  if (!samples.length) return { error: errors.at(-1) ?? 'not run' };
  const rate = stats(samples.map((s) => s.mbPerSec));
  return {
    mbPerSec: rate.median,
    samples: samples.map((s) => round(s.mbPerSec)),
    wallMs: stats(samples.map((s) => s.ms)).median,
    ratio: host ? round(rate.median / host, 3) : null,
    ...(errors.length ? { failures: errors.length, lastError: errors.at(-1) } : {}),
  };
}

/** Section 5: { mb, reps, host: { mbPerSec, wallMs, … }, skiff: { …, ratio } }. */
export async function measureStdio({ skiff }) {
  if (skiff.error) return SKIFF_UNAVAILABLE;
  const bytes = CONFIG.stdioMB * 1e6;
  log(`stdio: ${CONFIG.stdioMB} MB through cat × ${CONFIG.stdioReps}, host pipe and skiff run -i`);
  const targets = {
    host: { run: () => pipeOnce(BUSYBOX, ['cat'], process.env, bytes), samples: [], errors: [] },
    skiff: { run: () => pipeOnce(skiff.cmd, skiff.args(['run', '--rm', '-i', CONFIG.image, 'cat']), skiff.env, bytes), samples: [], errors: [] },
  };
  for (let rep = 0; rep < CONFIG.stdioReps && !STOP.requested; rep++) {
    for (const [key, t] of Object.entries(targets)) {
      try {
        t.samples.push(await t.run());
      } catch (error) {
        t.errors.push(`${key}: ${error.message}`);
      }
    }
  }
  const host = summarize(targets.host.samples, targets.host.errors, null);
  return { mb: CONFIG.stdioMB, reps: CONFIG.stdioReps, host, skiff: summarize(targets.skiff.samples, targets.skiff.errors, host.mbPerSec) };
}
