import { fileURLToPath } from 'node:url';

export { encodePlan, MountFlags, PLAN_RECORDS, HelperExitCode } from './plan.js';
export type { LaunchPlan, MountSyscall, NetworkMode } from './plan.js';
export { mountToSyscall } from './mount-options.js';
export type { MountSpec } from './mount-options.js';

/**
 * Absolute path of the compiled helper, bin/skiff-helper in this package. Resolved from this module's own
 * location, which is one level below the package root both as source (src/) and as build output (dist/).
 */
export function helperPath(): string {
  return fileURLToPath(new URL('../bin/skiff-helper', import.meta.url));
}
