/*
 * skiff-helper: the small C program that does what Node cannot (fork, namespaces, mount, pivot_root, execve,
 * pty). TypeScript decides everything and sends a launch plan on fd 3; this program only carries it out.
 * One header for the whole program; each .c file holds one concern.
 */
#ifndef SKIFF_HELPER_H
#define SKIFF_HELPER_H

#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <sys/types.h>

/* Exit codes, as docker uses them. Keep in sync with HelperExitCode in src/plan.ts. */
#define EXIT_SETUP 125     /* the helper or the container setup failed */
#define EXIT_CANNOT_RUN 126 /* the command exists but cannot be executed (permission denied, bad format) */
#define EXIT_NOT_FOUND 127  /* the command was not found */

/* ---- plan.c: the launch plan read from fd 3 (wire format: see src/plan.ts) ---- */

struct mount_spec {
	char *source;
	char *target; /* "/" for the root filesystem, else absolute inside the container */
	char *fstype;
	unsigned long flags;
	char *data;
};

struct plan {
	char *rootfs;
	struct mount_spec *mounts;
	size_t n_mounts;
	char *hostname;
	char *cwd;
	char **argv; /* NULL-terminated */
	size_t argc;
	char **envp; /* NULL-terminated */
	size_t envc;
	int tty;
	int stdin_open;
	int net_host;
	char **cgroups; /* cgroup.procs files */
	size_t n_cgroups;
};

struct plan_record {
	const char *keyword;
	int fields;
};
extern const struct plan_record plan_records[];

void plan_read(int fd, struct plan *plan);

/* ---- util.c ---- */

/* In the container child, failures go to the parent through this close-on-exec pipe instead of stderr. */
extern int status_fd;

/* Prints "skiff: <msg>: strerror(errno)" and exits 125 (in the child: reports it to the parent). */
__attribute__((noreturn, format(printf, 1, 2))) void bail(const char *fmt, ...);
/* Same without the errno part. */
__attribute__((noreturn, format(printf, 1, 2))) void bailx(const char *fmt, ...);
/* Sends an exec failure with its own exit code to the parent (or prints it) and exits. */
__attribute__((noreturn, format(printf, 2, 3))) void fail_with(int code, const char *fmt, ...);
void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int write_all(int fd, const void *buf, size_t len);
ssize_t read_retry(int fd, void *buf, size_t len);

/* The status message the child sends: exit code for the parent, then the text. */
struct status_msg {
	int code;
	char text[1000];
};

/* ---- mounts.c ---- */

enum create { CREATE_NONE, CREATE_DIR, CREATE_FILE };
int resolve_in_root(int rootfd, const char *target, enum create create);
const char *fd_path(int fd, char buf[32]);
void make_root_private(void);
int mount_root(const struct plan *plan);
void mount_volumes(int rootfd, const struct plan *plan);

/* ---- rootfs.c ---- */

void mount_proc(int rootfd);
void mount_dev(int rootfd);
void mount_sys(int rootfd, int net_host);
void enter_root(const char *rootfs);
void enter_cwd(const char *cwd);

/* ---- net.c ---- */

void loopback_up(void);

/* ---- pty.c ---- */

void pty_setup_child(int sock);
int pty_receive_master(int sock);
int pty_relay(int master, int wake, pid_t child, int forward_stdin, int *status);
void terminal_restore(void);

/* ---- signals.c ---- */

void signals_block(void);
void signals_reset_child(void);
int signals_forward(pid_t child);
extern volatile sig_atomic_t got_sigchld, got_sigwinch;

/* ---- exec.c ---- */

__attribute__((noreturn)) void exec_command(const struct plan *plan);

/* ---- container.c / run.c ---- */

struct child_fds {
	int sync_read;   /* parent writes one byte once the pid is in every cgroup */
	int status_write; /* close-on-exec: EOF on exec, else a status_msg */
	int pty_sock;    /* the pty master travels to the parent here (tty only) */
	int parent_pidfd; /* lets the child notice a parent that died before PR_SET_PDEATHSIG */
};
__attribute__((noreturn)) void container_main(const struct plan *plan, const struct child_fds *fds);
int cmd_run(void);

#endif
