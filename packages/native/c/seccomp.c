/*
 * The seccomp filter the plan describes (`seccomp filter` and its `syscall`/`sysarg` records; the table is
 * SECCOMP_PROFILE in src/seccomp-profile.ts), built with libseccomp when the plan is read, installed right
 * before the command runs (security.c).
 *
 * A call gets, in this order:
 *   - another architecture's ABI (a 32-bit `int 0x80`, whose numbers mean other calls): the process is killed;
 *   - an x32 call (bit 0x40000000 set, same architecture token): ENOSYS;
 *   - a number above every call the plan names (newer than the profile): ENOSYS, as runc answers, so that
 *     libc falls back to an older call instead of failing on EPERM;
 *   - the plan's rules; a call they do not name: EPERM (or the plan's `seccompdefault`, an OCI profile's).
 * With a default that lets calls through (allow, log: OCI profiles that list what to refuse), the first checks
 * but the architecture's are left out: a call newer than the profile is allowed too.
 *
 * libseccomp refuses a rule whose action equals the filter's default, and more than one comparison of one
 * argument in a rule, so "allow ioctl, but EPERM for TIOCSTI" cannot be one filter. Two are installed: the
 * allow list (default EPERM) and a deny filter (default allow) with the rules that refuse a call for some
 * arguments. The kernel runs both and keeps the stricter answer. The first checks above are a few
 * instructions of our own put in front of libseccomp's allow list.
 *
 * Names libseccomp does not know, or that are not x86_64 calls (chown32, socketcall), are skipped.
 *
 * With a `seccompcache` record, programs built before for the same input come from disk (seccomp-cache.c).
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#if __has_include(<seccomp.h>)
#include <seccomp.h>
#else
#error "skiff-helper needs libseccomp's header and static library: apt-get install libseccomp-dev"
#endif

#include "helper.h"

struct seccomp_arg {
	unsigned index;
	enum scmp_compare op;
	unsigned long long value, value_two;
};

struct seccomp_syscall {
	char *name;
	uint32_t action; /* SCMP_ACT_... */
	struct seccomp_arg *args;
	size_t n_args;
};

#define DEFAULT_ERRNO EPERM
#define NEWER_ERRNO ENOSYS
#define X32_SYSCALL_BIT 0x40000000u

static const struct {
	const char *name;
	enum scmp_compare op;
} ops[] = {
	{ "NE", SCMP_CMP_NE }, { "LT", SCMP_CMP_LT }, { "LE", SCMP_CMP_LE }, { "EQ", SCMP_CMP_EQ },
	{ "GE", SCMP_CMP_GE }, { "GT", SCMP_CMP_GT }, { "MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* A plan action: allow, EPERM, ENOSYS, errno:N, kill (the process), killthread, trap, log, trace:N. */
static uint32_t action_of(const char *action)
{
	if (!strcmp(action, "allow"))
		return SCMP_ACT_ALLOW;
	if (!strcmp(action, "EPERM"))
		return SCMP_ACT_ERRNO(EPERM);
	if (!strcmp(action, "ENOSYS"))
		return SCMP_ACT_ERRNO(ENOSYS);
	if (!strcmp(action, "kill"))
		return SCMP_ACT_KILL_PROCESS;
	if (!strcmp(action, "killthread"))
		return SCMP_ACT_KILL_THREAD;
	if (!strcmp(action, "trap"))
		return SCMP_ACT_TRAP;
	if (!strcmp(action, "log"))
		return SCMP_ACT_LOG;
	int errno_form = !strncmp(action, "errno:", 6), trace_form = !strncmp(action, "trace:", 6);
	if (errno_form || trace_form) {
		char *end;
		errno = 0;
		unsigned long n = strtoul(action + 6, &end, 10);
		/* SECCOMP_RET_DATA is 16 bits; an errno above 4095 is not an errno to libc. */
		if (!errno && action[6] >= '0' && action[6] <= '9' && !*end && n <= (errno_form ? 4095UL : 65535UL))
			return errno_form ? SCMP_ACT_ERRNO((uint32_t)n) : SCMP_ACT_TRACE((uint32_t)n);
	}
	bailx("plan: unknown syscall action \"%s\" (allow, EPERM, ENOSYS, errno:N, kill, killthread, trap, log, trace:N)", action);
}

/* A default that lets calls through: the profile lists what to refuse. */
static int lets_through(uint32_t action)
{
	return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG;
}

static unsigned long long u64(const char *what, char *text)
{
	char *end;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (errno || !*text || *end || text[0] == '-')
		bailx("plan: bad sysarg %s \"%s\"", what, text);
	free(text);
	return value;
}

int seccomp_record(const char *k, char *f[], struct security *s)
{
	if (!strcmp(k, "syscall")) {
		s->syscalls = xrealloc(s->syscalls, (s->n_syscalls + 1) * sizeof *s->syscalls);
		struct seccomp_syscall *call = &s->syscalls[s->n_syscalls++];
		*call = (struct seccomp_syscall){ .name = f[0], .action = action_of(f[1]) };
		free(f[1]);
	} else if (!strcmp(k, "seccompdefault")) {
		s->default_action = action_of(f[0]);
		s->default_set = 1;
		free(f[0]);
	} else if (!strcmp(k, "sysarg")) {
		if (!s->n_syscalls)
			bailx("plan: sysarg before any syscall record");
		struct seccomp_syscall *call = &s->syscalls[s->n_syscalls - 1];
		if (call->n_args == 6)
			bailx("plan: more than 6 sysarg records for %s", call->name);
		struct seccomp_arg arg = { .index = (unsigned)u64("index", f[0]) };
		if (arg.index > 5)
			bailx("plan: sysarg index %u: a call has 6 arguments", arg.index);
		size_t i = 0;
		while (i < sizeof ops / sizeof *ops && strcmp(ops[i].name, f[1]))
			i++;
		if (i == sizeof ops / sizeof *ops)
			bailx("plan: unknown sysarg operator \"%s\"", f[1]);
		free(f[1]);
		arg.op = ops[i].op;
		arg.value = u64("value", f[2]);
		arg.value_two = u64("value two", f[3]);
		call->args = xrealloc(call->args, (call->n_args + 1) * sizeof *call->args);
		call->args[call->n_args++] = arg;
	} else {
		return 0;
	}
	return 1;
}

static scmp_filter_ctx filter_new(uint32_t default_action, uint32_t bad_arch)
{
	scmp_filter_ctx ctx = seccomp_init(default_action);
	if (!ctx)
		bailx("seccomp: cannot create a filter");
	int rc;
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, bad_arch)) < 0 ||
	    /* A binary tree of syscall numbers instead of a chain: fewer instructions per call for a long list. */
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0) {
		errno = -rc;
		bail("seccomp: set a filter attribute");
	}
	return ctx;
}

/* libseccomp writes its BPF to an fd; a memfd brings it back into memory. */
static struct sock_fprog filter_export(scmp_filter_ctx ctx, size_t room_in_front)
{
	int fd = memfd_create("seccomp", MFD_CLOEXEC);
	if (fd < 0)
		bail("memfd_create");
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0) {
		errno = -rc;
		bail("seccomp: generate the filter");
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		bail("seccomp: stat the filter");
	size_t len = (size_t)st.st_size / sizeof(struct sock_filter);
	if (len + room_in_front > BPF_MAXINSNS)
		bailx("seccomp: the filter has %zu instructions, more than the kernel's %d", len + room_in_front, BPF_MAXINSNS);
	struct sock_filter *program = xmalloc((len + room_in_front) * sizeof *program);
	if (pread(fd, program + room_in_front, (size_t)st.st_size, 0) != st.st_size)
		bail("seccomp: read the filter");
	close(fd);
	return (struct sock_fprog){ .len = (unsigned short)(len + room_in_front), .filter = program };
}

/* Our checks in front of the allow list (see the top of the file). Jumps are relative to the next one. */
#define FRONT 6
static void front_checks(struct sock_filter *f, int max_nr)
{
	/* 0 */ f[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	/* 1 */ f[1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 4); /* else: 6 */
	/* 2 */ f[2] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	/* 3 */ f[3] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 1, 0); /* x32: 5 */
	/* 4 */ f[4] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (unsigned)max_nr, 0, 1); /* newer: 5, else 6 */
	/* 5 */ f[5] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | NEWER_ERRNO);
	/* 6: libseccomp's program, which checks the architecture again and kills on any other */
}

static void rule_add(scmp_filter_ctx ctx, uint32_t action, int nr, const struct seccomp_syscall *call)
{
	struct scmp_arg_cmp cmp[6];
	for (size_t i = 0; i < call->n_args; i++)
		cmp[i] = (struct scmp_arg_cmp){ call->args[i].index, call->args[i].op, call->args[i].value, call->args[i].value_two };
	int rc = seccomp_rule_add_exact_array(ctx, action, nr, (unsigned)call->n_args, cmp);
	if (rc < 0) {
		errno = -rc;
		bail("seccomp: rule for %s", call->name);
	}
}

/* Appends LEN bytes to a growing buffer. */
static void put(unsigned char **buf, size_t *len, const void *bytes, size_t n)
{
	*buf = xrealloc(*buf, *len + n);
	memcpy(*buf + *len, bytes, n);
	*len += n;
}

static void put32(unsigned char **buf, size_t *len, uint32_t value)
{
	put(buf, len, &value, sizeof value);
}

static void put64(unsigned char **buf, size_t *len, uint64_t value)
{
	put(buf, len, &value, sizeof value);
}

/*
 * Everything the programs are built from, as canonical bytes (native byte order, each name length-prefixed): the
 * cache's key and what a cached file must hold byte for byte. SECCOMP_CACHE_SOURCE stands for this code (the
 * front checks, the split into two filters, the attributes): scripts/build-helper.mjs passes a hash of this file
 * and seccomp-cache.c; a build without it gets its build time, and so a cache of its own. libseccomp's version is
 * in it because its BPF and its syscall numbers may differ between releases.
 */
#ifndef SECCOMP_CACHE_SOURCE
#define SECCOMP_CACHE_SOURCE __DATE__ " " __TIME__
#endif
static unsigned char *filter_input(const struct security *s, uint32_t default_action, size_t *len)
{
	unsigned char *buf = NULL;
	*len = 0;
	const struct scmp_version *v = seccomp_version();
	put(&buf, len, "skiff-seccomp " SECCOMP_CACHE_SOURCE, sizeof("skiff-seccomp " SECCOMP_CACHE_SOURCE));
	put32(&buf, len, v ? v->major : 0);
	put32(&buf, len, v ? v->minor : 0);
	put32(&buf, len, v ? v->micro : 0);
	put32(&buf, len, AUDIT_ARCH_X86_64);
	put32(&buf, len, default_action);
	put64(&buf, len, s->n_syscalls);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct seccomp_syscall *call = &s->syscalls[i];
		size_t name_len = strlen(call->name);
		put64(&buf, len, name_len);
		put(&buf, len, call->name, name_len);
		put32(&buf, len, call->action);
		put32(&buf, len, (uint32_t)call->n_args);
		for (size_t a = 0; a < call->n_args; a++) {
			put32(&buf, len, call->args[a].index);
			put32(&buf, len, call->args[a].op);
			put64(&buf, len, call->args[a].value);
			put64(&buf, len, call->args[a].value_two);
		}
	}
	return buf;
}

static struct seccomp_program *build(const struct security *s, uint32_t default_action)
{
	int front = !lets_through(default_action);
	scmp_filter_ctx allow_list = filter_new(default_action, SCMP_ACT_KILL_PROCESS);
	/* Another architecture is the allow list's to kill; x32 calls pass here and get ENOSYS there. */
	scmp_filter_ctx deny = filter_new(SCMP_ACT_ALLOW, SCMP_ACT_ALLOW);
	int max_nr = -1, n_deny = 0;
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct seccomp_syscall *call = &s->syscalls[i];
		int nr = seccomp_syscall_resolve_name(call->name);
		if (nr < 0) /* __NR_SCMP_ERROR: unknown to libseccomp; other negatives: not an x86_64 call */
			continue;
		if (nr > max_nr)
			max_nr = nr;
		if (call->action == SCMP_ACT_ALLOW) {
			if (default_action != SCMP_ACT_ALLOW)
				rule_add(allow_list, SCMP_ACT_ALLOW, nr, call);
		} else if (call->n_args) {
			rule_add(deny, call->action, nr, call);
			n_deny++;
		} else if (call->action != default_action) { /* refusing with the default is what happens anyway */
			rule_add(allow_list, call->action, nr, call);
		}
	}
	if (max_nr < 0 && front)
		bailx("plan: the seccomp filter names no x86_64 system call");
	struct seccomp_program *program = xmalloc(sizeof *program);
	program->allow_list = filter_export(allow_list, front ? FRONT : 0);
	if (front)
		front_checks(program->allow_list.filter, max_nr);
	program->deny = n_deny ? filter_export(deny, 0) : (struct sock_fprog){ 0 };
	seccomp_release(allow_list);
	seccomp_release(deny);
	return program;
}

/* With a `seccompcache` record, a program built before for the same input is taken from the cache. */
void seccomp_prepare(struct security *s)
{
	if (!s->seccomp)
		return;
#if !defined(__x86_64__)
	bailx("the seccomp filter is written for x86_64 only; run with seccomp unconfined here");
#endif
	long long start = monotonic_ns();
	uint32_t default_action = s->default_set ? s->default_action : SCMP_ACT_ERRNO(DEFAULT_ERRNO);
	size_t len = 0;
	unsigned char *input = s->seccomp_cache ? filter_input(s, default_action, &len) : NULL;
	if (input && (s->program = seccomp_cache_load(s->seccomp_cache, input, len))) {
		free(input);
		trace_span("helper-seccomp-cached", start);
		return;
	}
	s->program = build(s, default_action);
	if (input)
		seccomp_cache_store(s->seccomp_cache, input, len, s->program);
	free(input);
	trace_span("helper-seccomp-build", start);
}

/*
 * Installs the filters on this process; they are inherited by every child and kept across execve. The kernel
 * allows it with no_new_privs set or with CAP_SYS_ADMIN (security.c orders the steps so one holds).
 */
void seccomp_install(const struct security *s)
{
	if (s->program->deny.len && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &s->program->deny, 0, 0) < 0)
		bail("install the seccomp filter");
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &s->program->allow_list, 0, 0) < 0)
		bail("install the seccomp filter");
}

void seccomp_print_constants(void)
{
	printf("seccomp default %s\nseccomp newer %s\n", strerrorname_np(DEFAULT_ERRNO), strerrorname_np(NEWER_ERRNO));
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
		printf("seccomp op %s\n", ops[i].name);
}
