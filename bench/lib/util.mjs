// Small helpers: clock, progress log, stop flag, statistics, running commands.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const T0 = nowMs();
/** Progress goes to stderr; the report is the only thing on stdout. */
export const log = (...parts) => process.stderr.write(`[bench ${((nowMs() - T0) / 1000).toFixed(1)}s] ${parts.join(' ')}\n`);
/** Set on SIGINT/SIGTERM: loops stop at the next step and the run goes straight to cleanup. */
export const STOP = { requested: false };
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const tail = (text, max = 400) => {
  const t = String(text ?? '').trim().replace(/\s+\n/g, '\n');
  return t.length > max ? `…${t.slice(-max)}` : t;
};

export const round = (x, digits = 2) => (x == null || Number.isNaN(x) ? x : Math.round(x * 10 ** digits) / 10 ** digits);

export function which(name) {
  for (const dir of (process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return null;
}

/** n, median, p90, min, max, mean (rounded), or null for no values. */
export function stats(values) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pick = (q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[mid - 1] + sorted[mid]) / 2;
  return {
    n: sorted.length,
    median: round(median),
    p90: round(pick(0.9)),
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

/** Runs a command to completion without blocking the event loop; resolves {code, signal, stdout, stderr}. */
export function runAsync(cmd, args, options = {}) {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    child.stdout?.on('data', (d) => { if (stdout.length < 65536) stdout += d; });
    child.stderr?.on('data', (d) => { if (stderr.length < 65536) stderr += d; });
    child.on('error', (error) => resolve({ code: -1, signal: null, stdout, stderr: `${stderr}${error.message}` }));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** "exit 1: <the end of stderr>" for a spawnSync or runAsync result. */
export function describeFailure(result) {
  if (result.error) return result.error.message;
  const how = result.signal ? `killed by ${result.signal}` : `exit ${result.status ?? result.code}`;
  const err = tail(result.stderr?.toString() || result.stdout?.toString() || '');
  return err ? `${how}: ${err}` : how;
}

/** Runs `count` jobs with at most `width` at a time; returns wall ms. Throws on the first failure. */
export async function pool(count, width, job) {
  let next = 0;
  let failure = null;
  const t0 = nowMs();
  const lane = async () => {
    while (!failure && !STOP.requested && next < count) {
      const index = next++;
      try {
        await job(index);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, lane));
  if (failure) throw failure;
  return nowMs() - t0;
}

/** Markdown cell text: numbers with 1 or 2 decimals, "—" for nothing. */
export const fmt = (x) => (x == null || Number.isNaN(x) ? '—' : typeof x === 'number' ? (Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(2)) : String(x));
/** One line of text that is safe in a Markdown table cell. */
export const clean = (text, max = 240) => String(text).replace(/\|/g, '/').replace(/\s*\n\s*/g, ' ').slice(0, max);
