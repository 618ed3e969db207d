/**
 * docker run's --uts, --cgroupns, --domainname, --oom-score-adj, --annotation and --device-cgroup-rule: checked
 * at create, kept in the container's config, carried out at every start (plan.ts, start.ts).
 */
import { DEVICE_RULE } from '@skiff/cgroups';
import { invalidArgument } from '@skiff/plugin';
import type { ContainerConfig } from '../state/record.js';
import { validateHostname } from './validate.js';

export interface KernelOptions {
  /** --uts: 'host' shares the host's UTS namespace (its host and domain name); '' or absent: the container's own. */
  uts?: string;
  /**
   * --cgroupns: 'private' gives the container a cgroup namespace rooted at its own cgroup (its /proc/self/cgroup
   * reads "/"); 'host' shares the host's, docker's default on a cgroup v1 host such as this one.
   */
  cgroupns?: string;
  /** --domainname: the NIS domain name of the container's UTS namespace. */
  domainname?: string;
  /** --oom-score-adj: the init's /proc/PID/oom_score_adj, -1000..1000 (inherited by every process it starts). */
  oomScoreAdj?: number;
  /** --annotation KEY=VALUE: kept in the config and shown by inspect (HostConfig.Annotations). */
  annotations?: Record<string, string>;
  /** The CFS quota/period in `resources` are --cpu-quota/--cpu-period's, not --cpus' (inspect shows them as such). */
  cfsGiven?: boolean;
  /** --device-cgroup-rule: devices cgroup lines ("c 1:3 mr", "b 8:* rwm", "a") added to docker's defaults. */
  deviceCgroupRules?: string[];
}

type KernelConfig = Pick<ContainerConfig, 'utsMode' | 'cgroupnsMode' | 'domainname' | 'oomScoreAdj' | 'annotations' | 'deviceCgroupRules' | 'cfsGiven'>;

/** Checks the options; `hostnameGiven`: the user asked for a host name (-h), which --uts host cannot honour. */
export function kernelOptions(options: KernelOptions, hostnameGiven: boolean): KernelConfig {
  const uts = options.uts ?? '';
  if (uts !== '' && uts !== 'host') throw invalidArgument(`invalid --uts ${JSON.stringify(uts)}: the UTS namespace mode is host, or '' for the container's own`);
  if (uts === 'host' && hostnameGiven) throw invalidArgument('conflicting options: hostname and the UTS mode');
  if (uts === 'host' && options.domainname) throw invalidArgument('conflicting options: domainname and the UTS mode');
  const cgroupns = options.cgroupns ?? '';
  if (cgroupns !== '' && cgroupns !== 'private' && cgroupns !== 'host') {
    throw invalidArgument(`invalid --cgroupns ${JSON.stringify(cgroupns)}: use private or host`);
  }
  const score = options.oomScoreAdj;
  if (score !== undefined && (!Number.isInteger(score) || score < -1000 || score > 1000)) {
    throw invalidArgument(`invalid --oom-score-adj ${String(score)}: range for oom score adj is [-1000, 1000]`);
  }
  // docker's "a *:* rwm" is the kernel's "a" (every device, every access).
  const rules = (options.deviceCgroupRules ?? []).map((rule) => (/^a \*:\* [rwm]{1,3}$/.test(rule.trim()) ? 'a' : rule.trim()));
  for (const rule of rules) {
    if (!DEVICE_RULE.test(rule)) {
      throw invalidArgument(`invalid --device-cgroup-rule ${JSON.stringify(rule)}: expected TYPE MAJOR:MINOR ACCESS, e.g. 'c 1:3 mr' (type a, b or c; * for any number; access of r, w, m)`);
    }
  }
  for (const key of Object.keys(options.annotations ?? {})) {
    if (key === '' || /[\0\n]/.test(key)) throw invalidArgument(`invalid --annotation key ${JSON.stringify(key)}: expected KEY=VALUE with a non-empty key`);
  }
  return {
    ...(uts === 'host' ? { utsMode: 'host' as const } : {}),
    ...(cgroupns === '' ? {} : { cgroupnsMode: cgroupns as 'private' | 'host' }),
    ...(options.domainname ? { domainname: validateHostname(options.domainname, '--domainname') } : {}),
    ...(score === undefined ? {} : { oomScoreAdj: score }),
    ...(options.annotations && Object.keys(options.annotations).length ? { annotations: { ...options.annotations } } : {}),
    ...(rules.length ? { deviceCgroupRules: rules } : {}),
    ...(options.cfsGiven ? { cfsGiven: true } : {}),
  };
}
