/*
 * The helper never enters a container as the host's skiff-helper file (CVE-2019-5736). Every process a
 * container can see (its init, the --init of the helper, an exec'd command until its execve, the detached
 * supervisor's children) would otherwise have the host binary as /proc/PID/exe: a container root could open
 * it through /proc and, with CAP_FOWNER/CAP_SETFCAP, chmod or setxattr it (make it setuid-root on the host),
 * and on older kernels even write it once the helper exits.
 *
 * So `run` and `exec` first copy /proc/self/exe into a memfd, seal it against every change (F_SEAL_SEAL,
 * SHRINK, GROW, WRITE, and EXEC where the kernel has it) and execve that copy. From then on /proc/self/exe
 * is the sealed memfd: nothing reachable from inside leads back to the host file. The copy is made once: a
 * process whose exe already carries our seals skips it (a fresh exec of the host file never does).
 *
 * The idea is runc's (libcontainer/nsenter/cloned_binary.c, later libcontainer/dmz); crun does the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: executable even where vm.memfd_noexec makes memfds noexec by default */
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020 /* Linux 6.3: the mode's exec bits can no longer change */
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define TRACE_ENV "SKIFF_HELPER_REEXEC_NS"

extern char **environ;

/* True when EXE (our /proc/self/exe) is a memfd carrying our seals. */
static int is_sealed_copy(int exe)
{
	int seals = fcntl(exe, F_GET_SEALS); /* EINVAL for anything but a memfd (or shmem file) */
	return seals >= 0 && (seals & SEALS) == SEALS;
}

static int sealed_copy(int exe)
{
	struct stat st;
	if (fstat(exe, &st) < 0)
		bail("stat /proc/self/exe");
	int memfd = memfd_create("skiff-helper", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (memfd < 0 && errno == EINVAL) /* before 6.3: no MFD_EXEC, and every memfd is executable */
		memfd = memfd_create("skiff-helper", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0)
		bail("memfd_create");
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = sendfile(memfd, exe, NULL, (size_t)(st.st_size - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			bail("copy /proc/self/exe into a memfd");
		done += n;
	}
	/* F_SEAL_SEAL forbids any later seal, so EXEC goes in the same call (or not at all, before 6.3). */
	if (fcntl(memfd, F_ADD_SEALS, SEALS | F_SEAL_EXEC) < 0 && (errno != EINVAL || fcntl(memfd, F_ADD_SEALS, SEALS) < 0))
		bail("seal the helper's memfd");
	return memfd;
}

void reexec_from_sealed_copy(char **argv)
{
	const char *start = getenv(TRACE_ENV);
	int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		bail("open /proc/self/exe");
	if (is_sealed_copy(exe)) {
		close(exe);
		/* The kernel named us after the memfd ("memfd:skiff-hel"); ps and pgrep know us as skiff-helper. */
		prctl(PR_SET_NAME, "skiff-helper");
		/* SKIFF_TRACE=1: what the copy, the seals and the execve cost, for `pnpm bench`. */
		if (start) {
			trace_span("helper-reexec", strtoll(start, NULL, 10));
			unsetenv(TRACE_ENV);
		}
		return;
	}
	if (start)
		unsetenv(TRACE_ENV); /* stale, from a caller: not ours */
	if (tracing()) {
		char value[32];
		snprintf(value, sizeof value, "%lld", monotonic_ns());
		setenv(TRACE_ENV, value, 1);
	}
	int memfd = sealed_copy(exe);
	close(exe);
	/* fd 3 (the plan) and fd 4 (the pid pipe) stay open across the execve; the memfd itself is
	 * close-on-exec, and the kernel keeps the file as the new image's exe. */
	syscall(SYS_execveat, memfd, "", argv, environ, AT_EMPTY_PATH);
	bail("execute the helper's sealed copy");
}
