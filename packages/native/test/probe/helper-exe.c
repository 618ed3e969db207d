/*
 * Attack probe for CVE-2019-5736-style escapes, compiled statically by test/helper-exe.test.ts and run inside
 * a container. DEV and INO name the host's skiff-helper file; the probe tries to reach it through /proc.
 *
 *   helper-exe init DEV INO
 *       opens /proc/1/exe (the --init), says whether it is the host file ("inode host" or "inode other"), then
 *       tries what a container root can do to it: fchmod (setuid bit), fsetxattr, chmod via /proc/self/fd/N.
 *   helper-exe watch DEV INO SECONDS
 *       prints "ready", then for SECONDS watches the newest process of the pid namespace (ns_last_pid): each
 *       time its /proc/PID/exe is the host file it tries fchmod and prints "caught PID <result>". Ends with
 *       "caught N" (N: how many times it got the host file).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static dev_t host_dev;
static ino_t host_ino;

static const char *result(int rc)
{
	return rc < 0 ? strerrorname_np(errno) : "ok";
}

static int is_host(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && st.st_dev == host_dev && st.st_ino == host_ino;
}

static int attack_init(void)
{
	int fd = open("/proc/1/exe", O_RDONLY);
	if (fd < 0) {
		printf("open %s\n", strerrorname_np(errno));
		return 0;
	}
	struct stat st;
	fstat(fd, &st);
	printf("inode %s\n", is_host(fd) ? "host" : "other");
	printf("fchmod %s\n", result(fchmod(fd, (st.st_mode & 07777) | S_ISUID)));
	printf("fsetxattr %s\n", result(fsetxattr(fd, "user.skiff-probe", "x", 1, 0)));
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	printf("chmod %s\n", result(chmod(path, (st.st_mode & 07777) | S_ISGID)));
	return 0;
}

static long last_pid(void)
{
	char buf[32];
	int fd = open("/proc/sys/kernel/ns_last_pid", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static int watch(int seconds)
{
	printf("ready\n");
	fflush(stdout);
	time_t end = time(NULL) + seconds;
	long caught = 0, reported = 0;
	while (time(NULL) < end) {
		long pid = last_pid();
		if (pid <= 0 || pid == getpid())
			continue;
		char path[64];
		snprintf(path, sizeof path, "/proc/%ld/exe", pid);
		for (int i = 0; i < 1000; i++) { /* hammer the newest process before looking for a newer one */
			int fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			int host = is_host(fd);
			if (host) {
				caught++;
				if (pid != reported) {
					struct stat st;
					fstat(fd, &st);
					printf("caught %ld fchmod %s\n", pid, result(fchmod(fd, (st.st_mode & 07777) | S_ISUID)));
					fflush(stdout);
					reported = pid;
				}
			}
			close(fd);
			if (!host)
				break;
		}
	}
	printf("caught %ld\n", caught);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: helper-exe init|watch DEV INO [SECONDS]\n");
		return 2;
	}
	host_dev = (dev_t)strtoull(argv[2], NULL, 10);
	host_ino = (ino_t)strtoull(argv[3], NULL, 10);
	if (!strcmp(argv[1], "init"))
		return attack_init();
	if (!strcmp(argv[1], "watch") && argc == 5)
		return watch(atoi(argv[4]));
	fprintf(stderr, "helper-exe: bad arguments\n");
	return 2;
}
