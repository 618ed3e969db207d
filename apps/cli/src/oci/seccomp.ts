/**
 * An OCI seccomp profile → the helper's filter (c/seccomp.c). The helper builds allow lists: a default
 * that refuses with EPERM or ENOSYS, and rules that allow, or refuse with EPERM or ENOSYS. A profile outside
 * that shape (a default that allows or kills, SCMP_ACT_LOG/TRACE/NOTIFY, a listener, other errno values,
 * filter flags) is refused. Calls of another architecture than x86_64 are killed, whatever `architectures`
 * lists (stricter than runc, which lets the listed 32-bit ABIs through).
 */
import type { SeccompOp, SeccompProfile, SeccompSyscall } from '@skiff/native';
import { OciError } from './errors.js';
import type { OciSeccomp } from './spec.js';

const EPERM = 1;
const ENOSYS = 38;
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

function errnoAction(errnoRet: number | undefined, where: string): 'EPERM' | 'ENOSYS' {
  if (errnoRet === undefined || errnoRet === EPERM) return 'EPERM';
  if (errnoRet === ENOSYS) return 'ENOSYS';
  throw refuse(`${where} errnoRet ${errnoRet} (EPERM 1 or ENOSYS 38 only)`);
}

export function seccompProfile(seccomp: OciSeccomp): SeccompProfile {
  if (seccomp.defaultAction !== 'SCMP_ACT_ERRNO') throw refuse(`defaultAction ${seccomp.defaultAction} (SCMP_ACT_ERRNO only)`);
  const defaultErrno = errnoAction(seccomp.defaultErrnoRet, 'defaultAction');
  if (seccomp.flags?.length) throw refuse(`flags ${seccomp.flags.join(',')}`);
  if (seccomp.listenerPath) throw refuse('listenerPath');
  if (seccomp.architectures?.length && !seccomp.architectures.includes('SCMP_ARCH_X86_64')) {
    throw refuse(`architectures ${seccomp.architectures.join(',')} without SCMP_ARCH_X86_64`);
  }
  const syscalls: SeccompSyscall[] = [];
  for (const rule of seccomp.syscalls ?? []) {
    let action: SeccompSyscall['action'];
    if (rule.action === 'SCMP_ACT_ALLOW') action = 'allow';
    else if (rule.action === 'SCMP_ACT_ERRNO') action = errnoAction(rule.errnoRet, `rule for ${rule.names?.join(',')}`);
    else throw refuse(`action ${rule.action}`);
    const args = (rule.args ?? []).map((arg) => {
      const op = OPS[arg.op];
      if (!op) throw refuse(`operator ${arg.op}`);
      return { index: arg.index, op, value: arg.value, valueTwo: arg.valueTwo ?? 0 };
    });
    for (const name of rule.names ?? []) syscalls.push({ name, action, args });
  }
  return { syscalls, defaultErrno };
}
