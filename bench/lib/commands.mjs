// 7. Commands that run no container: `--version`, `ps -a`, `inspect`, each beside a bare start of the runtime
// skiff runs on (and, when skiff runs on Bun, the same on Node), interleaved run by run. What the OCI runtime
// mode's state/kill/delete calls and scripts pay per call.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { CONFIG, MAX_FAILURES } from './config.mjs';
import { SKIFF_UNAVAILABLE, skiffVariants } from './skiff.mjs';
import { describeFailure, log, nowMs, STOP, stats } from './util.mjs';

const INSPECTED = 'bench-inspected';

/** The commands timed, as skiff arguments (null: the bare runtime's `-e 0`). */
export const COMMANDS = [
  ['bare', null, '`-e 0` (the runtime alone)'],
  ['version', ['--version'], '`skiff --version`'],
  ['ps', ['ps', '-a'], '`skiff ps -a` (one container)'],
  ['inspect', ['inspect', INSPECTED], '`skiff inspect NAME`'],
];

function timed(cmd, args, env) {
  const t0 = nowMs();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = nowMs() - t0;
  return r.status === 0 ? { ms } : { error: describeFailure(r) };
}

/** Section 7: { variants: [{ key, label, runtime, rows: { <command>: stats or { error } } }] } or { error }. */
export async function measureCommands({ skiff }) {
  if (skiff.error) return SKIFF_UNAVAILABLE;
  const made = skiff.sync(['create', '--name', INSPECTED, CONFIG.image, 'true']);
  if (made.status !== 0) return { error: `skiff create for inspect failed: ${describeFailure(made)}` };
  try {
    const variants = skiffVariants(skiff).filter((v) => v.key !== 'base');
    log(`commands: ${COMMANDS.map(([key]) => key).join(', ')} on ${variants.map((v) => v.label).join(', ')}`);
    const subjects = variants.flatMap((v) =>
      COMMANDS.map(([key, args]) => ({
        variant: v.key,
        key,
        run: () => (args ? timed(v.skiff.cmd, v.skiff.args(args), v.skiff.env) : timed(v.skiff.node, ['-e', '0'], v.skiff.env)),
      })),
    );
    const samples = new Map(subjects.map((s) => [s, []]));
    const failures = new Map(subjects.map((s) => [s, []]));
    for (let i = 0; i < CONFIG.warmup + CONFIG.runs && !STOP.requested; i++) {
      for (let k = 0; k < subjects.length; k++) {
        const s = subjects[(k + i) % subjects.length];
        if (failures.get(s).length >= MAX_FAILURES) continue;
        const r = s.run();
        if (r.error) failures.get(s).push(r.error);
        else if (i >= CONFIG.warmup) samples.get(s).push(r.ms);
      }
    }
    const row = (s) => (samples.get(s).length ? stats(samples.get(s)) : { error: failures.get(s).at(-1) ?? 'no run completed' });
    return {
      variants: variants.map((v) => ({
        key: v.key,
        label: v.label,
        runtime: path.basename(v.skiff.node),
        rows: Object.fromEntries(subjects.filter((s) => s.variant === v.key).map((s) => [s.key, row(s)])),
      })),
    };
  } finally {
    skiff.sync(['rm', '-f', INSPECTED]);
  }
}
