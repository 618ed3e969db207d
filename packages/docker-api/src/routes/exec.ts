import { randomBytes } from 'node:crypto';
import { finished } from 'node:stream/promises';
import { SkiffError } from 'skiff';
import type { DockerApiBackend } from '../backend.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { fanOut, type Sink } from '../frames.js';
import type { Router } from '../router.js';
import type { ExecInstance, State } from '../state.js';
import { integer, lookup } from './containers.js';

const strings = (value: unknown, field: string): string[] => {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw badRequest(`${field} must be a list of strings`);
  return value as string[];
};

export function execRoutes(router: Router, backend: DockerApiBackend, state: State): void {
  const instance = (id: string): ExecInstance => {
    const found = state.execs.get(id);
    if (!found) throw notFound(`No such exec instance: ${id}`);
    return found;
  };

  router.add('POST', '/containers/:id/exec', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    if (!container.State.Running) throw conflict(`container ${container.Id} is not running`);
    const body = await exchange.json();
    const args = strings(body.Cmd, 'Cmd');
    if (args.length === 0) throw badRequest('No exec command specified');
    const env = Object.fromEntries(
      strings(body.Env, 'Env').flatMap((entry) => {
        const equals = entry.indexOf('=');
        return equals > 0 ? [[entry.slice(0, equals), entry.slice(equals + 1)]] : [];
      }),
    );
    const id = randomBytes(32).toString('hex');
    state.execs.set(id, {
      id,
      container: container.Id,
      args,
      env,
      workdir: typeof body.WorkingDir === 'string' && body.WorkingDir ? body.WorkingDir : undefined,
      user: typeof body.User === 'string' && body.User ? body.User : undefined,
      tty: body.Tty === true,
      stdin: body.AttachStdin === true,
      stdout: body.AttachStdout === true,
      stderr: body.AttachStderr === true,
      running: false,
      exitCode: null,
    });
    exchange.send(201, { Id: id });
  });

  router.add('POST', '/exec/:id/start', async (exchange) => {
    const exec = instance(exchange.params.id!);
    const body = await exchange.json();
    if (exec.running || exec.exitCode !== null) throw conflict(`exec ${exec.id} has already run`);
    const [user, group] = exec.user?.split(':') ?? [];
    exec.running = true;
    let run;
    try {
      run = await backend.skiff.exec(exec.container, {
        args: exec.args,
        env: exec.env,
        workdir: exec.workdir,
        user: user ? { user, group } : undefined,
        tty: exec.tty,
        interactive: exec.stdin,
      });
    } catch (error) {
      exec.running = false;
      exec.exitCode = SkiffError.isInstance(error) ? (error.exitCode ?? 126) : 126;
      throw error;
    }
    exec.attachment = run;
    if (exec.size) run.resize(...exec.size);
    const exited = run.exit.then(
      (code) => code,
      () => 126,
    );
    void exited.then((code) => {
      exec.running = false;
      exec.exitCode = code;
    });
    if (body.Detach === true) {
      run.stdout.resume();
      run.stderr.resume();
      run.stdin.end();
      return exchange.send(200);
    }
    const stream = exchange.hijack();
    stream.on('error', () => {});
    const sink: Sink = { stream, stdout: exec.stdout, stderr: exec.stderr };
    const sinks = new Set([sink]);
    stream.once('close', () => sinks.delete(sink));
    if (exec.stdin) {
      stream.on('data', (chunk: Buffer) => run.stdin.write(chunk));
      stream.once('end', () => run.stdin.end());
      // Regression (docker exec -it typed into a shell that never got it, 1 run in 6 under load): when the start
      // request's body came apart from its headers, reading it paused the socket explicitly, and a paused socket
      // does not flow when a 'data' listener is added.
      stream.resume();
    } else {
      run.stdin.end();
      stream.resume();
    }
    await Promise.all([fanOut(run.stdout, run.stderr, exec.tty, sinks), exited]);
    stream.end();
    await finished(stream).catch(() => undefined);
  });

  router.add('POST', '/exec/:id/resize', (exchange) => {
    const exec = instance(exchange.params.id!);
    const size: [number, number] = [integer(exchange, 'w', 0)!, integer(exchange, 'h', 0)!];
    if (exec.attachment) exec.attachment.resize(...size);
    else exec.size = size;
    exchange.send(200);
  });

  router.add('GET', '/exec/:id/json', (exchange) => {
    const exec = instance(exchange.params.id!);
    exchange.send(200, {
      ID: exec.id,
      Running: exec.running,
      ExitCode: exec.exitCode,
      ProcessConfig: { tty: exec.tty, entrypoint: exec.args[0], arguments: exec.args.slice(1), privileged: false, user: exec.user ?? '' },
      OpenStdin: exec.stdin,
      OpenStdout: exec.stdout,
      OpenStderr: exec.stderr,
      CanRemove: false,
      ContainerID: exec.container,
      DetachKeys: '',
      Pid: 0,
    });
  });
}
