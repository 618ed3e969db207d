import { fileURLToPath } from 'node:url';

export { DETACH_KEYS_MAX, encodeExecPlan, encodePlan, EXEC_PLAN_RECORDS, MOUNT_OPTIONS, MountFlags, PLAN_RECORDS, HelperExitCode } from './plan.js';
export type { ExecPlan, FifoNode, FilesystemOp, IdMapping, LaunchPlan, MountSyscall, NamespaceSpec, NetworkMode, RlimitSpec, SecurityOptions } from './plan.js';
export { containerFilesystem, DEFAULT_DEV_SYMLINKS, DEFAULT_DEVICES } from './defaults.js';
export type { ContainerFilesystemOptions } from './defaults.js';
export {
  CAPABILITIES,
  capabilitySet,
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
} from './security.js';
export type { CapabilityName, CapabilityRequest, DeviceNode, SeccompProfile, UserSpec } from './security.js';
export { SECCOMP_DEFAULT_ERRNO, SECCOMP_NEWER_ERRNO, SECCOMP_PROFILE, seccompSyscalls } from './seccomp-profile.js';
export type { SeccompAction, SeccompArg, SeccompOp, SeccompRule, SeccompSyscall } from './seccomp-profile.js';
export { parseLogRecords, readHeader as readLogHeader } from './log-format.js';
export type { LogRecord } from './log-format.js';
export { readStatusFile, reserveStatusFile, STATUS_FILE_SIZE, writeStatusFile } from './status-file.js';
export type { ExitStatus } from './status-file.js';
export { mountToSyscall } from './mount-options.js';
export { FORWARDED_SIGNALS } from './signals.js';

/**
 * Absolute path of the compiled helper, bin/skiff-helper in this package. Resolved from this module's own
 * location, which is one level below the package root both as source (src/) and as build output (dist/).
 */
export function helperPath(): string {
  return fileURLToPath(new URL('../bin/skiff-helper', import.meta.url));
}
export { parseHealthState, readHealthFile } from './health-file.js';
export type { HealthState } from './health-file.js';
export { ATTACH_SOCKET, AttachFrame, encodeFrame, FrameDecoder, MAX_STDIN_FRAME } from './attach-frames.js';
export type { Frame } from './attach-frames.js';
