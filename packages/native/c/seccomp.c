/*
 * The default seccomp filter (`seccomp default`): docker's default profile for a container without extra
 * capabilities, written as a classic BPF program by hand (no libseccomp, so the static helper stays small).
 *
 * What it does, in order, for every system call:
 *   - the architecture must be x86_64. Anything else, i.e. a 32-bit int 0x80 call, whose syscall numbers
 *     mean different calls and would slip past every check below, kills the process (SIGSYS);
 *   - x32 calls (number with bit 0x40000000, same architecture token) fail with ENOSYS;
 *   - the calls in seccomp_rules[] fail with their errno, some only for certain arguments;
 *   - everything else is allowed. What capabilities forbid (most of the list needs CAP_SYS_ADMIN and the
 *     like) the kernel refuses anyway; the filter also closes what capabilities do not cover (keyctl,
 *     userfaultfd, io_uring, namespace creation through a user namespace, TIOCSTI on a shared terminal).
 * The i386-only calls of docker's list (stime, umount, vm86, vm86old) do not exist on x86_64; the
 * architecture check refuses the whole i386 ABI.
 *
 * Keep seccomp_rules[] in sync with SECCOMP_BLOCKED in src/security.ts (a test checks).
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "helper.h"

#if defined(__x86_64__)

/* What a rule does with its call: fail always, or only for some arguments. */
enum { ALWAYS, CLONE_NAMESPACES, PERSONALITY, IOCTL_TERMINAL };

/* The namespace flags of clone(2) (0x7e020000, as in docker's profile). CLONE_NEWTIME is not among them:
 * clone's flags have no room for it (only unshare and clone3 take it, and both are refused). */
#define CLONE_NAMESPACE_FLAGS \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)
_Static_assert(CLONE_NAMESPACE_FLAGS == 0x7e020000, "docker's clone mask");

#define RULE(name, err, kind, why) { #name, __NR_##name, err, kind, why }
static const struct {
	const char *name;
	int nr;
	int err;
	int kind;
	const char *only; /* for the conditional rules: when they apply */
} rules[] = {
	RULE(_sysctl, EPERM, ALWAYS, NULL),
	RULE(acct, EPERM, ALWAYS, NULL),
	RULE(add_key, EPERM, ALWAYS, NULL),
	RULE(bpf, EPERM, ALWAYS, NULL),
	RULE(clock_adjtime, EPERM, ALWAYS, NULL),
	RULE(clock_settime, EPERM, ALWAYS, NULL),
	RULE(clone, EPERM, CLONE_NAMESPACES,
	     "flags include CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET or "
	     "CLONE_NEWCGROUP"),
	/* ENOSYS, not EPERM: glibc then falls back to clone, whose flags the rule above can inspect (clone3
	 * passes them in memory, out of a filter's reach). */
	RULE(clone3, ENOSYS, ALWAYS, NULL),
	RULE(create_module, EPERM, ALWAYS, NULL),
	RULE(delete_module, EPERM, ALWAYS, NULL),
	RULE(fanotify_init, EPERM, ALWAYS, NULL),
	RULE(finit_module, EPERM, ALWAYS, NULL),
	/* The new mount API: the same power as mount(2). */
	RULE(fsconfig, EPERM, ALWAYS, NULL),
	RULE(fsmount, EPERM, ALWAYS, NULL),
	RULE(fsopen, EPERM, ALWAYS, NULL),
	RULE(fspick, EPERM, ALWAYS, NULL),
	RULE(get_kernel_syms, EPERM, ALWAYS, NULL),
	RULE(get_mempolicy, EPERM, ALWAYS, NULL),
	RULE(init_module, EPERM, ALWAYS, NULL),
	/* TIOCSTI pushes bytes into a terminal's input: a container sharing the caller's tty could type commands
	 * into the host shell. TIOCLINUX can do the same on a virtual console. */
	RULE(ioctl, EPERM, IOCTL_TERMINAL, "request TIOCSTI or TIOCLINUX"),
	RULE(io_uring_enter, EPERM, ALWAYS, NULL),
	RULE(io_uring_register, EPERM, ALWAYS, NULL),
	RULE(io_uring_setup, EPERM, ALWAYS, NULL),
	RULE(ioperm, EPERM, ALWAYS, NULL),
	RULE(iopl, EPERM, ALWAYS, NULL),
	RULE(kcmp, EPERM, ALWAYS, NULL),
	RULE(kexec_file_load, EPERM, ALWAYS, NULL),
	RULE(kexec_load, EPERM, ALWAYS, NULL),
	RULE(keyctl, EPERM, ALWAYS, NULL),
	RULE(lookup_dcookie, EPERM, ALWAYS, NULL),
	RULE(mbind, EPERM, ALWAYS, NULL),
	RULE(mount, EPERM, ALWAYS, NULL),
	RULE(mount_setattr, EPERM, ALWAYS, NULL),
	RULE(move_mount, EPERM, ALWAYS, NULL),
	RULE(move_pages, EPERM, ALWAYS, NULL),
	RULE(name_to_handle_at, EPERM, ALWAYS, NULL),
	RULE(nfsservctl, EPERM, ALWAYS, NULL),
	RULE(open_by_handle_at, EPERM, ALWAYS, NULL),
	RULE(open_tree, EPERM, ALWAYS, NULL),
	RULE(perf_event_open, EPERM, ALWAYS, NULL),
	/* Allowed: PER_LINUX, PER_LINUX32, UNAME26 and their mix, and the query 0xffffffff (docker's list). */
	RULE(personality, EPERM, PERSONALITY, "persona other than 0x0, 0x8, 0x20000, 0x20008 or 0xffffffff"),
	RULE(pidfd_getfd, EPERM, ALWAYS, NULL),
	RULE(pivot_root, EPERM, ALWAYS, NULL),
	RULE(process_madvise, EPERM, ALWAYS, NULL),
	RULE(process_vm_readv, EPERM, ALWAYS, NULL),
	RULE(process_vm_writev, EPERM, ALWAYS, NULL),
	RULE(ptrace, EPERM, ALWAYS, NULL),
	RULE(query_module, EPERM, ALWAYS, NULL),
	RULE(quotactl, EPERM, ALWAYS, NULL),
	RULE(quotactl_fd, EPERM, ALWAYS, NULL),
	RULE(reboot, EPERM, ALWAYS, NULL),
	RULE(request_key, EPERM, ALWAYS, NULL),
	RULE(set_mempolicy, EPERM, ALWAYS, NULL),
	RULE(set_mempolicy_home_node, EPERM, ALWAYS, NULL),
	RULE(setns, EPERM, ALWAYS, NULL),
	RULE(settimeofday, EPERM, ALWAYS, NULL),
	RULE(swapoff, EPERM, ALWAYS, NULL),
	RULE(swapon, EPERM, ALWAYS, NULL),
	RULE(sysfs, EPERM, ALWAYS, NULL),
	RULE(syslog, EPERM, ALWAYS, NULL),
	RULE(umount2, EPERM, ALWAYS, NULL),
	RULE(unshare, EPERM, ALWAYS, NULL),
	RULE(uselib, EPERM, ALWAYS, NULL),
	RULE(userfaultfd, EPERM, ALWAYS, NULL),
	RULE(ustat, EPERM, ALWAYS, NULL),
	RULE(vhangup, EPERM, ALWAYS, NULL),
};
#undef RULE
#define N_RULES (sizeof rules / sizeof *rules)

static const unsigned personalities[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };
#define N_PERSONALITIES (sizeof personalities / sizeof *personalities)

/* Offsets in struct seccomp_data. An argument is 64 bits; on little-endian x86_64 its low half comes first,
 * and the low half is all the kernel reads of clone's flags, personality's persona and ioctl's request. */
#define NR_AT offsetof(struct seccomp_data, nr)
#define ARCH_AT offsetof(struct seccomp_data, arch)
#define ARG_LOW_AT(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define X32_SYSCALL_BIT 0x40000000u

/* Two instructions a rule, plus the header, the argument checks and the final allow. */
static struct sock_filter program[2 * N_RULES + 32];
static unsigned short length;

static void emit(unsigned short code, unsigned k, unsigned char jt, unsigned char jf)
{
	if (length == sizeof program / sizeof *program)
		bailx("seccomp: filter too long"); /* cannot happen: sized for the table above */
	program[length++] = (struct sock_filter){ code, jt, jf, k };
}

#define RET(value) emit(BPF_RET | BPF_K, value, 0, 0)
#define LOAD(offset) emit(BPF_LD | BPF_W | BPF_ABS, offset, 0, 0)

/* Each rule: "if nr == N then <block>", where the block ends in a RET (so A may be overwritten in it). */
static void emit_rule(size_t i)
{
	unsigned deny = SECCOMP_RET_ERRNO | (unsigned)rules[i].err;
	switch (rules[i].kind) {
	case ALWAYS:
		emit(BPF_JMP | BPF_JEQ | BPF_K, rules[i].nr, 0, 1);
		RET(deny);
		break;
	case CLONE_NAMESPACES:
		emit(BPF_JMP | BPF_JEQ | BPF_K, rules[i].nr, 0, 4);
		LOAD(ARG_LOW_AT(0));
		emit(BPF_JMP | BPF_JSET | BPF_K, CLONE_NAMESPACE_FLAGS, 0, 1);
		RET(deny);
		RET(SECCOMP_RET_ALLOW);
		break;
	case PERSONALITY:
		emit(BPF_JMP | BPF_JEQ | BPF_K, rules[i].nr, 0, 1 + N_PERSONALITIES + 2);
		LOAD(ARG_LOW_AT(0));
		for (size_t p = 0; p < N_PERSONALITIES; p++) /* a match jumps over the rest and the deny, to allow */
			emit(BPF_JMP | BPF_JEQ | BPF_K, personalities[p], N_PERSONALITIES - p, 0);
		RET(deny);
		RET(SECCOMP_RET_ALLOW);
		break;
	case IOCTL_TERMINAL:
		emit(BPF_JMP | BPF_JEQ | BPF_K, rules[i].nr, 0, 5);
		LOAD(ARG_LOW_AT(1));
		emit(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 2, 0);
		emit(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 1, 0);
		RET(SECCOMP_RET_ALLOW);
		RET(deny);
		break;
	}
}

/*
 * Installs the filter on this process; it is inherited by every child and kept across execve. The kernel
 * allows it with no_new_privs set or with CAP_SYS_ADMIN (security.c orders the steps so one holds).
 */
void seccomp_install(void)
{
	length = 0;
	LOAD(ARCH_AT);
	emit(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	RET(SECCOMP_RET_KILL_PROCESS);
	LOAD(NR_AT);
	emit(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1);
	RET(SECCOMP_RET_ERRNO | ENOSYS);
	for (size_t i = 0; i < N_RULES; i++)
		emit_rule(i);
	RET(SECCOMP_RET_ALLOW);

	struct sock_fprog fprog = { .len = length, .filter = program };
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) < 0)
		bail("install the seccomp filter");
}

void seccomp_print_rules(void)
{
	for (size_t i = 0; i < N_RULES; i++)
		printf("seccomp %s %s%s%s\n", rules[i].name, rules[i].err == EPERM ? "EPERM" : "ENOSYS",
		       rules[i].only ? " " : "", rules[i].only ? rules[i].only : "");
}

#else

void seccomp_install(void)
{
	bailx("the default seccomp filter is written for x86_64 only; run with seccomp unconfined here");
}

void seccomp_print_rules(void)
{
}

#endif
