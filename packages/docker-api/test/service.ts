// Test fixture: `skiff system service` (the built CLI) on a temp socket with this test's own state roots, and the
// docker CLI pointed at it (DOCKER_HOST, a private DOCKER_CONFIG).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type Options, type ResultPromise } from 'execa';
import { onTestFinished } from 'vitest';
import { cliPath, processesUsing, sandbox, type Sandbox } from '../../../apps/cli/test/cli.js';
import { tempDir } from '../../../test/support.js';

/** The docker CLI (client only: the engine is this service): /usr/local/bin/docker here, else any on PATH. */
export const DOCKER = existsSync('/usr/local/bin/docker') ? '/usr/local/bin/docker' : spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).stdout.trim();
export const dockerUnavailable = DOCKER ? undefined : 'needs a docker CLI (client only; e.g. the docker-ce-cli package or a static docker binary on PATH)';
export const hasScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;

export interface Service extends Sandbox {
  socket: string;
  child: ChildProcess;
  /** Resolves with the service's exit code. */
  exited: Promise<number | null>;
  /** DOCKER_HOST and DOCKER_CONFIG for this service. */
  env: Record<string, string>;
  /** `docker ARGS` against this service; never rejects. */
  docker(args: string[], options?: Options): ResultPromise;
  /** One HTTP request on the socket: status, headers and body. */
  http(method: string, path: string, body?: string | Buffer, headers?: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }>;
}

/** Starts the service for the current test (stopped, by its pid, after it). */
export async function startService(options: { time?: number; box?: Sandbox; dir?: string; env?: Record<string, string> } = {}): Promise<Service> {
  const box = options.box ?? sandbox();
  const dir = options.dir ?? tempDir('docker-api-');
  const socket = join(dir, 'docker.sock');
  const config = join(dir, 'docker-config');
  mkdirSync(config, { recursive: true });
  // SKIFF_TEST_SERVICE_RUNTIME=/path/to/bun runs the service on Bun (as the installed `skiff` may run).
  const child = spawn(process.env.SKIFF_TEST_SERVICE_RUNTIME || 'node', [cliPath, '--root', box.root, '--run-root', box.runRoot, 'system', 'service', '--time', String(options.time ?? 0), `unix://${socket}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...options.env, SKIFF_CGROUP_PARENT: box.cgroupParent },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    // A container removed with -f has its supervisor's cleanup command still writing the state root for a moment.
    for (let i = 0; i < 100 && processesUsing(box.root).length > 0; i++) await sleep(100);
  });
  for (let i = 0; !existsSync(socket); i++) {
    if (child.exitCode !== null || i > 200) throw new Error(`the service did not start: ${stderr}`);
    await sleep(50);
  }
  const http: Service['http'] = (method, path, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const req = request({ socketPath: socket, method, path, headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += String(chunk)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const env = { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: config };
  return {
    ...box,
    env,
    socket,
    child,
    exited,
    http,
    docker: (args, dockerOptions = {}) =>
      execa(DOCKER, args, {
        reject: false,
        ...(dockerOptions.input === undefined && dockerOptions.inputFile === undefined ? { stdin: 'ignore' } : {}),
        timeout: 25_000,
        ...dockerOptions,
        env: { ...env, ...dockerOptions.env },
      } as Options) as ResultPromise,
  };
}
