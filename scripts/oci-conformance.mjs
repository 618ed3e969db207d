#!/usr/bin/env node
// The opencontainers/runtime-tools validation suite against skiff-runc, and runc and crun where installed, on
// this host (`pnpm conformance`). The suite's source is not on npm or in Debian, so it is given as a checkout:
//
//   git clone https://github.com/opencontainers/runtime-tools && git -C runtime-tools checkout 260e151
//   SKIFF_RUNTIME_TOOLS=$PWD/runtime-tools pnpm conformance [--runtimes skiff,runc,crun] [--json FILE] [TEST...]
//
// Everything is built (Go from Debian's golang-go, its vendored modules, no network) and run in a temp dir
// that is removed after: the test binaries, `runtimetest`, the rootfs tarball, and every runtime's --root (the
// suite calls the runtime without one, so each runs through a wrapper that adds it). A test file passes when it
// exits 0 with no `not ok` line; each gets 120 s. Needs root, as the suite does.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_TIMEOUT_MS = 120_000;

function fail(message) {
  process.stderr.write(`oci-conformance: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { runtimes: ['skiff', 'runc', 'crun'], json: undefined, suite: process.env.SKIFF_RUNTIME_TOOLS, tests: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--runtimes') options.runtimes = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg === '--json') options.json = argv[++i];
    else if (arg === '--suite') options.suite = argv[++i];
    else if (arg.startsWith('-')) fail(`unknown option ${arg} (--suite DIR, --runtimes skiff,runc,crun, --json FILE, TEST...)`);
    else options.tests.push(arg);
  }
  if (!options.suite) fail('give the runtime-tools checkout: SKIFF_RUNTIME_TOOLS=DIR or --suite DIR (see the top of scripts/oci-conformance.mjs)');
  if (!fs.existsSync(path.join(options.suite, 'validation')) || !fs.existsSync(path.join(options.suite, 'vendor'))) {
    fail(`${options.suite} is not a runtime-tools checkout with validation/ and vendor/`);
  }
  return options;
}

const which = (command) => {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
};

/** Builds runtimetest and every validation/NAME/NAME.go into work/; returns the test names. */
function build(suite, work) {
  const env = { ...process.env, GOFLAGS: '-mod=vendor', GOPATH: path.join(work, 'gopath'), GOCACHE: path.join(work, 'gocache'), CGO_ENABLED: '0', GOTOOLCHAIN: 'local' };
  const go = (args) => {
    const result = spawnSync('go', args, { cwd: suite, env, encoding: 'utf8' });
    if (result.status !== 0) fail(`go ${args.join(' ')}: ${result.stderr || result.error}`);
  };
  go(['build', '-o', path.join(work, 'runtimetest'), './cmd/runtimetest']);
  const names = fs
    .readdirSync(path.join(suite, 'validation'))
    .filter((name) => fs.existsSync(path.join(suite, 'validation', name, `${name}.go`)))
    .sort();
  fs.mkdirSync(path.join(work, 'bin'));
  for (const name of names) go(['build', '-o', path.join(work, 'bin', name), `./validation/${name}/${name}.go`]);
  fs.copyFileSync(path.join(suite, `rootfs-${process.arch === 'x64' ? 'amd64' : process.arch}.tar.gz`), path.join(work, `rootfs-${process.arch === 'x64' ? 'amd64' : process.arch}.tar.gz`));
  return names;
}

/** A wrapper per runtime that gives it a --root of its own in work/; undefined when it is not installed. */
function wrapper(work, runtime) {
  const root = path.join(work, `state-${runtime}`);
  const file = path.join(work, `runtime-${runtime}`);
  let body;
  if (runtime === 'skiff') {
    const dist = path.join(REPO, 'apps/cli/dist/skiff-runc.cjs');
    if (!fs.existsSync(dist)) fail(`${dist} is not built (pnpm build)`);
    body = `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(dist)} --root ${JSON.stringify(root)} "$@"`;
  } else if (runtime === 'runc') {
    const runc = which('runc');
    if (!runc) return undefined;
    body = `exec ${JSON.stringify(runc)} --root ${JSON.stringify(root)} "$@"`;
  } else if (runtime === 'crun') {
    const crun = which('crun');
    if (!crun) return undefined;
    // crun refuses a cgroup v1 host with an (empty) cgroup2 mount beside the controllers (Debian's hybrid
    // layout): it runs in a mount namespace of its own where that mount is gone.
    const hybrid = fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(' /sys/fs/cgroup/unified ');
    const command = `exec ${JSON.stringify(crun)} --root ${JSON.stringify(root)} "$@"`;
    body = hybrid ? `exec unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; ${command.replace(/'/g, `'\\''`)}' crun "$@"` : command;
  } else {
    fail(`unknown runtime ${runtime} (skiff, runc, crun)`);
  }
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return { file, root };
}

function runTest(work, name, runtime) {
  return new Promise((resolve) => {
    const child = spawn(path.join(work, 'bin', name), [], { cwd: work, env: { ...process.env, RUNTIME: runtime }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, TEST_TIMEOUT_MS);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const failed = output.split('\n').filter((line) => line.startsWith('not ok'));
      const passed = code === 0 && failed.length === 0;
      const reason = passed ? '' : failed[0] ?? (signal ? `killed by ${signal} (timeout)` : (output.trim().split('\n').filter(Boolean).slice(-2).join(' / ') || `exit ${code}`));
      resolve({ passed, reason: reason.slice(0, 200), output });
    });
  });
}

/** Deletes what a runtime left in its root (a failed test may leave a container behind). */
function cleanupRuntime(runtime) {
  const listed = spawnSync(runtime.file, ['list', '-q'], { encoding: 'utf8' });
  for (const id of (listed.stdout ?? '').split('\n').filter(Boolean)) spawnSync(runtime.file, ['delete', '--force', id]);
}

/**
 * The suite's cgroups paths are /cgrouptest and testdir/cgrouptest/container (relative: runc puts it below its own
 * cgroup, here the root); runc leaves the parents it made. rmdir only: a cgroup still in use stays.
 */
function removeSuiteCgroups() {
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((line) => line.split(' ')).filter((f) => /^cgroup2?$/.test(f[f.indexOf('-', 6) + 1] ?? ''));
  for (const point of new Set(mounts.map((f) => f[4]))) {
    for (const dir of ['testdir/cgrouptest/container', 'testdir/cgrouptest', 'testdir', 'cgrouptest']) {
      try {
        fs.rmdirSync(path.join(point, dir));
      } catch {}
    }
  }
}

async function main() {
  if (process.getuid?.() !== 0) fail('the suite runs real containers: run as root');
  if (!which('go')) fail('needs go (apt-get install golang-go)');
  const options = parseArgs(process.argv.slice(2));
  const suite = path.resolve(options.suite);
  const commit = spawnSync('git', ['-C', suite, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout?.trim() || 'unknown';
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-oci-conformance-'));
  try {
    const started = Date.now();
    const all = build(suite, work);
    process.stderr.write(`built runtime-tools ${commit}: ${all.length} tests in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    const tests = options.tests.length ? options.tests : all;
    for (const test of tests) if (!all.includes(test)) fail(`no test ${test} in ${suite}/validation`);
    const results = { suite: `opencontainers/runtime-tools ${commit}`, host: `${os.release()}`, runtimes: {} };
    for (const name of options.runtimes) {
      const runtime = wrapper(work, name);
      if (!runtime) {
        process.stderr.write(`${name}: not installed, skipped\n`);
        continue;
      }
      const perTest = {};
      for (const test of tests) {
        const result = await runTest(work, test, runtime.file);
        perTest[test] = result.passed ? 'pass' : result.reason;
        process.stderr.write(`${name} ${result.passed ? 'PASS' : 'FAIL'} ${test}${result.passed ? '' : `: ${result.reason}`}\n`);
        cleanupRuntime(runtime);
      }
      const passed = Object.values(perTest).filter((value) => value === 'pass').length;
      results.runtimes[name] = { passed, total: tests.length, tests: perTest };
    }
    const summary = Object.entries(results.runtimes).map(([name, r]) => `${name} ${r.passed}/${r.total}`).join(', ');
    process.stdout.write(`runtime-tools ${commit} (${tests.length} test files): ${summary}\n`);
    if (options.json) fs.writeFileSync(options.json, `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    removeSuiteCgroups();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
