/*
 * The last steps before the command runs, the same for run and exec (after runc's finalizeNamespace):
 *
 *   security_enter_user   [seccomp, if no_new_privs is off]  bounding set  setgroups/setgid/setuid
 *   (exec: chdir, as the user)
 *   security_finish       capset + ambient  no_new_privs  [seccomp, if no_new_privs is on]
 *
 * Seccomp goes as late as it can, so that the fewest of our own calls must pass it: right before execve
 * once no_new_privs is set. Without no_new_privs the kernel lets only a CAP_SYS_ADMIN holder install a
 * filter, so then it goes first, while we still hold every capability. Nothing after it needs a call the
 * filter blocks.
 */
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "helper.h"

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_CPU", RLIMIT_CPU }, { "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_STACK", RLIMIT_STACK }, { "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE }, { "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

int rlimit_number(const char *name)
{
	for (size_t i = 0; i < sizeof rlimit_names / sizeof *rlimit_names; i++)
		if (!strcmp(rlimit_names[i].name, name))
			return rlimit_names[i].resource;
	return -1;
}

static const char *rlimit_name(int resource)
{
	for (size_t i = 0; i < sizeof rlimit_names / sizeof *rlimit_names; i++)
		if (rlimit_names[i].resource == resource)
			return rlimit_names[i].name;
	return "?";
}

void security_enter_user(const struct security *s)
{
	/* As root, before the user changes: raising a hard limit needs CAP_SYS_RESOURCE. */
	for (size_t i = 0; i < s->n_rlimits; i++) {
		struct rlimit l = { .rlim_cur = s->rlimits[i].soft, .rlim_max = s->rlimits[i].hard };
		if (setrlimit(s->rlimits[i].resource, &l) < 0)
			bail("setrlimit %s %llu:%llu", rlimit_name(s->rlimits[i].resource), s->rlimits[i].soft, s->rlimits[i].hard);
	}
	/* Once our capabilities are no more than the container's, its root could ptrace us until execve (which
	 * makes the command dumpable again): rewrite our calls, skip the seccomp install that no_new_privs puts
	 * after the drop, write our status pipe. Non-dumpable, we need CAP_SYS_PTRACE to be traced, as runc's init. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		bail("prctl PR_SET_DUMPABLE");
	if (s->seccomp && !s->no_new_privs)
		seccomp_install(s);
	caps_drop_bounding(s); /* needs CAP_SETPCAP: before setuid takes it away */
	/* Groups first (the caller's would otherwise stay), then the gid while we still may, then the uid. Leaving
	 * uid 0 clears the permitted and effective capabilities: a non-root user ends with none, as intended. */
	if (setgroups(s->n_groups, s->groups) < 0)
		bail("setgroups");
	if (setgid(s->gid) < 0)
		bail("setgid %u", (unsigned)s->gid);
	/* Planned ambient capabilities of a non-root user must outlive setuid: caps_set raises them from permitted. */
	int keep = s->uid != 0 && s->ambient;
	if (keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		bail("prctl PR_SET_KEEPCAPS");
	if (setuid(s->uid) < 0)
		bail("setuid %u", (unsigned)s->uid);
	if (keep && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		bail("prctl PR_SET_KEEPCAPS");
	child_rearm_parent_death();
}

void security_finish(const struct security *s)
{
	caps_set(s);
	/* From here on no execve can grant privileges: setuid bits and file capabilities are ignored. */
	if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		bail("prctl PR_SET_NO_NEW_PRIVS");
	if (s->seccomp && s->no_new_privs)
		seccomp_install(s);
}
