import { writeFileSync } from 'node:fs';
import { encodeExecPlan, readHealthFile, type LaunchPlan } from '@skiff/native';
import { invalidArgument } from '@skiff/plugin';
import type { ContainerRecord, Healthcheck } from '../state/record.js';
import { cgroupOf } from './cgroup.js';
import { files, type Host } from './host.js';
import { seccompCacheDir } from '../roots.js';
import { planRlimits } from './limits.js';

/** docker's defaults. */
const DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, retries: 3 };
const DAY_MS = 86_400_000;
const DEFAULT_START_INTERVAL_MS = 5_000;

/** A health check as given (docker's Test forms: ["CMD", ...], ["CMD-SHELL", cmd], ["NONE"]), checked. */
export function validateHealthcheck(check: Healthcheck | undefined): Healthcheck | undefined {
  if (!check || check.test[0] === 'NONE') return undefined;
  const [kind, ...rest] = check.test;
  if ((kind !== 'CMD' && kind !== 'CMD-SHELL') || rest.length === 0 || (kind === 'CMD-SHELL' && rest.length !== 1) || rest.some((a) => a.includes('\0'))) {
    throw invalidArgument(`invalid health check test ${JSON.stringify(check.test)}`, { hint: 'use ["CMD", arg...], ["CMD-SHELL", command] or ["NONE"]' });
  }
  const ms = (value: number | undefined, name: string, fallback: number, min: number) => {
    if (value === undefined || value === 0) return fallback;
    if (!Number.isInteger(value) || value < min || value > DAY_MS) throw invalidArgument(`${name} must be from ${min} ms to 24 hours, not ${value} ms`);
    return value;
  };
  const retries = check.retries ?? 0;
  if (!Number.isInteger(retries) || retries < 0 || retries > 1_000_000) throw invalidArgument(`--health-retries cannot be negative (or above 1000000): ${retries}`);
  return {
    test: check.test,
    intervalMs: ms(check.intervalMs, '--health-interval', DEFAULTS.intervalMs, 1),
    timeoutMs: ms(check.timeoutMs, '--health-timeout', DEFAULTS.timeoutMs, 1),
    startPeriodMs: check.startPeriodMs === 0 ? 0 : ms(check.startPeriodMs, '--health-start-period', DEFAULTS.startPeriodMs, 1),
    // docker's StartInterval defaults to 5s, used only while a start period runs.
    ...(check.startIntervalMs ? { startIntervalMs: ms(check.startIntervalMs, '--health-start-interval', DEFAULT_START_INTERVAL_MS, 1) } : {}),
    retries: retries || DEFAULTS.retries,
  };
}

/**
 * The container's check: the flags' over the image's HEALTHCHECK (a check with no test takes the image's test and
 * its own times; ["NONE"] turns the image's off), validated.
 */
export function healthcheckOf(given: Healthcheck | undefined, image: Healthcheck | undefined): { healthcheck?: Healthcheck } {
  const merged = !given ? image : given.test.length === 0 ? (image ? { ...image, ...definedOnly(given), test: image.test } : undefined) : given;
  const check = validateHealthcheck(merged);
  return check ? { healthcheck: check } : {};
}

const definedOnly = (check: Healthcheck): Partial<Healthcheck> =>
  Object.fromEntries(Object.entries(check).filter(([key, value]) => key !== 'test' && value !== undefined));

/**
 * For a detached start: writes the check's exec plan (the container's user, capabilities, seccomp; the target
 * is added by the supervisor) and returns the plan's health record.
 */
export function healthPlan(host: Host, record: ContainerRecord, plan: LaunchPlan): Pick<LaunchPlan, 'health'> {
  const check = record.config.healthcheck;
  if (!check) return {};
  const paths = files(host, record.id);
  const args = check.test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', check.test[1]!] : check.test.slice(1);
  const exec = encodeExecPlan({
    target: 0,
    args,
    env: plan.env,
    cwd: plan.cwd,
    tty: false,
    stdin: false,
    capabilities: record.config.security.capabilities,
    noNewPrivileges: record.config.security.noNewPrivileges,
    seccomp: record.config.security.seccomp,
    seccompCache: seccompCacheDir(host.roots),
    ...(record.config.security.user ? { user: record.config.security.user } : {}),
    cgroupProcs: cgroupOf(record).procsFiles(),
    ...planRlimits(record.config),
  });
  writeFileSync(paths.healthPlan, exec, { mode: 0o600 });
  // Made here, empty, and rewritten in place by the supervisor (which never creates names in this directory).
  writeFileSync(paths.healthState, '', { mode: 0o600 });
  return {
    health: {
      planFile: paths.healthPlan,
      stateFile: paths.healthState,
      intervalMs: check.intervalMs!,
      timeoutMs: check.timeoutMs!,
      startPeriodMs: check.startPeriodMs!,
      ...(check.startIntervalMs ? { startIntervalMs: check.startIntervalMs } : {}),
      retries: check.retries!,
    },
  };
}

/** docker's State.Health. */
export interface ContainerHealth {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[];
}

/** docker's State.Health of a running container with a check (undefined otherwise). */
export function healthOf(host: Host, record: ContainerRecord): ContainerHealth | undefined {
  if (!record.config.healthcheck || record.status !== 'running') return undefined;
  const state = readHealthFile(files(host, record.id).healthState);
  return {
    Status: state?.status ?? 'starting',
    FailingStreak: state?.failingStreak ?? 0,
    Log: (state?.log ?? []).map((probe) => ({
      Start: new Date(probe.startMs).toISOString(),
      End: new Date(probe.endMs).toISOString(),
      ExitCode: probe.exitCode,
      Output: probe.output,
    })),
  };
}
