/*
 * Starting the command (run, exec and the init's child alike). The environment is exactly the plan's (never
 * the host's), and the PATH search uses the container's PATH, so we do it here rather than with execvp,
 * which would read the helper's own environment. Failures are reported like docker's: one line, exit 127
 * for "not found", 126 otherwise.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_path(char *const *envp)
{
	for (; *envp; envp++)
		if (!strncmp(*envp, "PATH=", 5))
			return *envp + 5;
	return DEFAULT_PATH;
}

/* Like Go's exec.LookPath (what docker uses): a regular file with an execute bit. */
static int executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

__attribute__((noreturn)) static void exec_failed(const char *name, int err)
{
	if (err == ENOENT || err == ENOTDIR)
		fail_with(EXIT_NOT_FOUND, "exec: \"%s\": no such file or directory", name);
	if (err == EACCES)
		fail_with(EXIT_CANNOT_RUN, "exec: \"%s\": permission denied", name);
	fail_with(EXIT_CANNOT_RUN, "exec: \"%s\": %s", name, strerror(err));
}

void exec_command(char *const argv[], char *const envp[])
{
	const char *name = argv[0];
	if (strchr(name, '/')) {
		execve(name, argv, envp);
		exec_failed(name, errno);
	}
	const char *path = env_path(envp);
	while (1) {
		size_t len = strcspn(path, ":");
		/* An empty PATH entry means the working directory (POSIX). */
		char *candidate = len ? xasprintf("%.*s/%s", (int)len, path, name) : xasprintf("./%s", name);
		if (executable(candidate)) {
			execve(candidate, argv, envp);
			exec_failed(name, errno);
		}
		free(candidate);
		if (!path[len])
			break;
		path += len + 1;
	}
	fail_with(EXIT_NOT_FOUND, "exec: \"%s\": executable file not found in $PATH", name);
}
