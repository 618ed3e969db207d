/*
 * Test probe, compiled statically by test/security.test.ts and copied into the container: makes the system
 * calls busybox has no applet for and prints "<name> ok" or "<name> <ERRNO>" for each argument, in order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Calls newer than glibc's headers (or the seccomp list), by their x86_64 numbers, with harmless arguments:
 * let through, each fails in the kernel with its own errno (EFAULT, EINVAL, EBADF) or succeeds; a filter
 * answers EPERM or ENOSYS. */
static const struct {
	const char *name;
	long nr;
} raw_calls[] = {
	{ "modify_ldt", 154 }, { "landlock_create_ruleset", 444 }, { "memfd_secret", 447 },
	{ "process_mrelease", 448 }, { "statmount", 457 }, { "listmount", 458 }, { "lsm_list_modules", 461 },
	{ "open_tree_attr", 467 }, { "file_getattr", 468 }, { "nr1000", 1000 },
};

static long clone_flags(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid < 0 ? -1 : 0;
}

static long call(const char *name)
{
	char byte = 'x';
	struct winsize ws;
	for (size_t i = 0; i < sizeof raw_calls / sizeof *raw_calls; i++)
		if (!strcmp(name, raw_calls[i].name)) {
			/* process_mrelease(-1, 0) must not release anything: pidfd -1 is EBADF */
			long arg0 = !strcmp(name, "process_mrelease") ? -1 : 0;
			return syscall(raw_calls[i].nr, arg0, 0, 0, 0, 0, 0) < 0 ? -1 : 0;
		}
	if (!strcmp(name, "tiocsti"))
		return ioctl(0, TIOCSTI, &byte);
	if (!strcmp(name, "vsock") || !strcmp(name, "vsock-high-bits")) { /* AF_VSOCK, SOCK_STREAM */
		long fd = syscall(SYS_socket, (!strcmp(name, "vsock") ? 0 : 0x100000000L) | 40, SOCK_STREAM, 0);
		if (fd >= 0)
			close((int)fd);
		return fd < 0 ? -1 : 0;
	}
	if (!strcmp(name, "unix-socket")) { /* a socket the filter lets through */
		long fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0)
			close((int)fd);
		return fd < 0 ? -1 : 0;
	}
	if (!strcmp(name, "tioclinux"))
		return ioctl(0, TIOCLINUX, &byte);
	if (!strcmp(name, "tiocgwinsz")) /* an ioctl the filter lets through */
		return ioctl(0, TIOCGWINSZ, &ws);
	if (!strcmp(name, "tiocsti-high-bits")) /* the kernel reads 32 bits of the request: so must the filter */
		return syscall(SYS_ioctl, 0, 0x100000000UL | TIOCSTI, &byte);
	if (!strcmp(name, "clone"))
		return clone_flags(0);
	if (!strcmp(name, "clone-newns"))
		return clone_flags(CLONE_NEWNS);
	if (!strcmp(name, "clone-newuser"))
		return clone_flags(CLONE_NEWUSER);
	if (!strcmp(name, "clone3")) {
		struct clone_args args = { .exit_signal = SIGCHLD };
		long pid = syscall(SYS_clone3, &args, sizeof args);
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid((pid_t)pid, NULL, 0);
		return pid < 0 ? -1 : 0;
	}
	if (!strcmp(name, "personality-query"))
		return personality(0xffffffff) < 0 ? -1 : 0;
	if (!strcmp(name, "personality-norandom"))
		return personality(ADDR_NO_RANDOMIZE) < 0 ? -1 : 0;
	if (!strcmp(name, "keyctl"))
		return syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0);
	if (!strcmp(name, "mount"))
		return mount("none", "/mnt", "tmpfs", 0, NULL);
	if (!strcmp(name, "x32")) /* getpid through the x32 ABI */
		return syscall(0x40000000 | SYS_getpid);
	if (!strcmp(name, "int80")) { /* getpid (20) through the i386 ABI */
		long ret;
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
		if (ret < 0) {
			errno = (int)-ret;
			return -1;
		}
		return 0;
	}
	fprintf(stderr, "probe: unknown call %s\n", name);
	_exit(2);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		long rc = call(argv[i]);
		printf("%s %s\n", argv[i], rc < 0 ? strerrorname_np(errno) : "ok");
		fflush(stdout);
	}
	return 0;
}
