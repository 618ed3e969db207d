/**
 * OCI hooks, run on the host by skiff-runc itself (runtime-spec "Lifecycle"): prestart and createRuntime at
 * the end of create (the container's namespaces exist, it waits before its command), poststart after start,
 * poststop in delete. Each gets the container's state as JSON on stdin; argv[0] is args[0]; env is exactly
 * the hook's; `timeout` seconds, then SIGKILL. createContainer and startContainer would run inside the
 * container: refused by translate.ts.
 */
import { spawn } from 'node:child_process';
import { OciError } from './errors.js';
import type { OciHook } from './spec.js';

export function runHook(hook: OciHook, state: object, stage: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const [argv0, ...args] = hook.args?.length ? hook.args : [hook.path];
    const child = spawn(hook.path, args, { argv0, env: Object.fromEntries((hook.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])), stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()).slice(-4096));
    child.stdin!.on('error', () => {});
    child.stdin!.end(JSON.stringify(state));
    const timer = hook.timeout ? setTimeout(() => child.kill('SIGKILL'), hook.timeout * 1000) : undefined;
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new OciError(`${stage} hook ${hook.path}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new OciError(`${stage} hook ${hook.path} failed (${signal ? `killed by ${signal}` : `exit ${code}`})${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
    });
  });
}

export async function runHooks(hooks: OciHook[] | undefined, state: object, stage: string): Promise<void> {
  for (const hook of hooks ?? []) await runHook(hook, state, stage);
}
