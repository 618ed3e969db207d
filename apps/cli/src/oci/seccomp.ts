/**
 * An OCI seccomp profile → the helper's filter (c/seccomp.c): every action but SCMP_ACT_NOTIFY, as default or
 * per rule (errnoRet: EPERM when left out, as runc). A user-space listener and filter flags are refused. Calls
 * of another architecture than x86_64 are killed, whatever `architectures` lists (stricter than runc, which
 * lets the listed 32-bit ABIs through).
 */
import type { SeccompAction, SeccompOp, SeccompProfile, SeccompSyscall } from '@skiff/native';
import { OciError } from './errors.js';
import type { OciSeccomp } from './spec.js';

const EPERM = 1;
const OPS: Record<string, SeccompOp> = {
  SCMP_CMP_NE: 'NE',
  SCMP_CMP_LT: 'LT',
  SCMP_CMP_LE: 'LE',
  SCMP_CMP_EQ: 'EQ',
  SCMP_CMP_GE: 'GE',
  SCMP_CMP_GT: 'GT',
  SCMP_CMP_MASKED_EQ: 'MASKED_EQ',
};

const refuse = (what: string) => new OciError(`config.json: seccomp ${what} is not supported by skiff-runc`);

/** SECCOMP_RET_DATA: 16 bits; an errno above 4095 is no errno to libc. */
function errnoOf(errnoRet: number | undefined, where: string, max: number): number {
  const value = errnoRet ?? EPERM;
  if (!Number.isInteger(value) || value < 0 || value > max) throw new OciError(`config.json: seccomp ${where} errnoRet ${errnoRet} is not a number 0..${max}`);
  return value;
}

function actionOf(action: string, errnoRet: number | undefined, where: string): SeccompAction {
  switch (action) {
    case 'SCMP_ACT_ALLOW':
      return 'allow';
    case 'SCMP_ACT_LOG':
      return 'log';
    case 'SCMP_ACT_KILL': // libseccomp's and runc's meaning: the thread
    case 'SCMP_ACT_KILL_THREAD':
      return 'killthread';
    case 'SCMP_ACT_KILL_PROCESS':
      return 'kill';
    case 'SCMP_ACT_TRAP':
      return 'trap';
    case 'SCMP_ACT_ERRNO':
      return `errno:${errnoOf(errnoRet, where, 4095)}`;
    case 'SCMP_ACT_TRACE':
      return `trace:${errnoOf(errnoRet, where, 65535)}`;
    default:
      throw refuse(`${where} ${action}`);
  }
}

export function seccompProfile(seccomp: OciSeccomp): SeccompProfile {
  const defaultAction = actionOf(seccomp.defaultAction, seccomp.defaultErrnoRet, 'defaultAction');
  if (seccomp.flags?.length) throw refuse(`flags ${seccomp.flags.join(',')}`);
  if (seccomp.listenerPath) throw refuse('listenerPath');
  if (seccomp.architectures?.length && !seccomp.architectures.includes('SCMP_ARCH_X86_64')) {
    throw refuse(`architectures ${seccomp.architectures.join(',')} without SCMP_ARCH_X86_64`);
  }
  const syscalls: SeccompSyscall[] = [];
  for (const rule of seccomp.syscalls ?? []) {
    const action = actionOf(rule.action, rule.errnoRet, `action of the rule for ${rule.names?.join(',')}:`);
    const args = (rule.args ?? []).map((arg) => {
      const op = OPS[arg.op];
      if (!op) throw refuse(`operator ${arg.op}`);
      return { index: arg.index, op, value: arg.value, valueTwo: arg.valueTwo ?? 0 };
    });
    for (const name of rule.names ?? []) syscalls.push({ name, action, args });
  }
  return { syscalls, defaultAction };
}
