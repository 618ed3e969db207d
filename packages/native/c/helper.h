/*
 * skiff-helper: the small C program that does what Node cannot (fork, namespaces, mount, pivot_root, execve,
 * pty). TypeScript decides everything and sends a plan on fd 3; this program only carries it out.
 * One header for the whole program; each .c file holds one concern.
 */
#ifndef SKIFF_HELPER_H
#define SKIFF_HELPER_H

#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <sys/types.h>
#include <linux/filter.h>

/* Exit codes, as docker uses them. Keep in sync with HelperExitCode in src/plan.ts. */
#define EXIT_SETUP 125     /* the helper or the container setup failed */
#define EXIT_CANNOT_RUN 126 /* the command exists but cannot be executed (permission denied, bad format) */
#define EXIT_NOT_FOUND 127  /* the command was not found */

/* Longest detach sequence (`run -it --detach-keys`). Keep in sync with DETACH_KEYS_MAX in src/plan.ts. */
#define DETACH_KEYS_MAX 16

/* Size of a container's exit status file, reserved before it starts. Keep in sync with src/status-file.ts. */
#define STATUS_FILE_SIZE 80

/* ---- restart.c: --restart, carried out by the container's init ---- */

/* --restart, carried out by the init (restart.c). Keep in sync with RESTART_MODES in src/plan.ts. */
enum restart_mode { RESTART_NO, RESTART_ON_FAILURE, RESTART_ALWAYS };
struct restart_policy {
	enum restart_mode mode;
	unsigned max;    /* on-failure: at most this many restarts (0: no limit) */
	int stop_signal; /* with SIGTERM, SIGINT, SIGQUIT: received by the init, it ends the restarts */
};
/* Health checks of a detached container (health.c): the records `health` and `healthstate`. */
struct health {
	char *plan;       /* exec plan file of the check, without a target; NULL: no checks */
	char *state_file; /* written after each probe */
	long interval_ms, timeout_ms, start_period_ms;
	long start_interval_ms; /* between checks during the start period; 0: interval_ms */
	unsigned retries;
};

/* ---- plan.c: the plans read from fd 3 (wire format: see src/plan.ts) ---- */

/* What the process may do once it runs the command: user, capabilities, no_new_privs, seccomp. Shared by run
 * and exec. A record the plan leaves out means the strictest choice: no capability, the seccomp filter on,
 * root (0:0) with no supplementary group. */
struct seccomp_syscall;
struct seccomp_program;
struct security {
	int all_caps;                /* keep every capability (privileged) */
	unsigned long long caps;     /* else: bit N set = keep capability N */
	unsigned long long inheritable; /* `capinh`: the inheritable set (within the kept one) */
	unsigned long long ambient;  /* `capamb`: raised after capset (within inheritable) */
	int no_new_privs;
	int seccomp;                 /* 1: the filter of the syscall records (seccomp.c), 0: unconfined */
	struct seccomp_syscall *syscalls; /* `syscall` records, each with its `sysarg` conditions */
	size_t n_syscalls;
	struct seccomp_program *program;  /* built from them by seccomp_prepare */
	char *seccomp_cache;         /* `seccompcache` DIR: built programs kept there (seccomp-cache.c); NULL: none */
	int default_set;             /* `seccompdefault` given: what an unnamed call gets (else EPERM) */
	unsigned int default_action; /* its libseccomp action (SCMP_ACT_...) */
	uid_t uid;
	gid_t gid;
	gid_t *groups;               /* supplementary groups */
	size_t n_groups;
	mode_t umask_value;          /* `umask` record; 022 without */
	struct rlimit_spec *rlimits; /* `rlimit` records, set before the user changes */
	size_t n_rlimits;
};

/* `rlimit` record. */
struct rlimit_spec {
	int resource;
	unsigned long long soft, hard;
};
int rlimit_number(const char *name); /* RLIMIT_NOFILE -> its number; -1 if unknown (security.c) */

/* `device` record: a node created in the container. */
struct device_spec {
	char *path; /* absolute, in the container */
	mode_t type; /* S_IFCHR or S_IFBLK */
	unsigned major, minor;
	mode_t mode; /* permission bits */
};

/* Words of a mount record's OPTIONS. Keep in sync with MOUNT_OPTIONS in src/plan.ts (a test checks). */
#define MOUNT_OPTIONAL 0x1  /* "optional": skip when the kernel lacks the filesystem type (ENODEV) */
#define MOUNT_RECURSIVE 0x2 /* "recursive": a bind's ro/nosuid/nodev/noexec reach every mount below it */
struct mount_option {
	const char *word;
	int bit;
};
extern const struct mount_option mount_options[]; /* ends with { NULL, 0 } */

struct mount_spec {
	char *source;
	char *target; /* "/" for the root filesystem, else absolute inside the container */
	char *fstype;
	unsigned long flags;
	char *data;
	int options; /* MOUNT_* bits */
	/* "hostpath" record: SOURCE is a host path opened without following symlinks, and mounted from that fd;
	 * missing directories are created with host_create_mode (-1: none are) */
	int host_source;
	int host_create_mode;
	/* "hostopts" record: data options (comma-separated keys) whose values are host paths, opened without
	 * following symlinks and passed as /proc/self/fd/N; NULL: none */
	char *host_opts;
};

/* One step of building the container's filesystem; the plan lists them in the order they are carried out. */
enum fs_op_kind { FS_MOUNT, FS_DEVICE, FS_SYMLINK, FS_READONLY, FS_MASK, FS_SYSCTL };
struct fs_op {
	enum fs_op_kind kind;
	union {
		struct mount_spec mount;   /* FS_MOUNT */
		struct device_spec device; /* FS_DEVICE */
		struct {
			char *path, *to;
		} symlink;                 /* FS_SYMLINK */
		struct {
			char *key, *value;
		} sysctl;                  /* FS_SYSCTL: KEY "net.ipv4.ip_forward" is /proc/sys/net/ipv4/ip_forward */
		char *path;                /* FS_READONLY, FS_MASK */
	};
};

/* `skiff-helper run` */
struct plan {
	char *rootfs;
	struct fs_op *ops; /* the first is the mount of "/" */
	size_t n_ops;
	char *hostname;
	char *cwd;
	char **argv; /* NULL-terminated */
	size_t argc;
	char **envp; /* NULL-terminated */
	size_t envc;
	int tty;
	int stdin_open;
	int net_host;
	int netns_fd;   /* -1, or a network namespace to join instead of a new one (opened at plan read) */
	char **cgroups; /* files the init writes 0 to, joining its cgroups (v1 `tasks`) */
	size_t n_cgroups;
	int init;       /* PID 1 is the helper's tiny init (init.c), the command its child */
	int detach;     /* a supervisor (supervise.c) outlives the caller */
	char *log;      /* detached: where output goes (NULL: nowhere) */
	unsigned long long log_max; /* rotate once the log is larger (0: never) */
	unsigned log_keep;          /* rotated files kept: log.1 .. log.N */
	char *status_file;          /* detached: exit status, JSON */
	char **exit_argv;           /* detached: run once the container has exited (NULL-terminated, may be empty) */
	size_t exit_argc;
	int readonly_root;          /* "/" read-only once everything is mounted */
	char *attach;               /* detached: the attach socket's path (attach.c), or NULL */
	unsigned char detach_keys[DETACH_KEYS_MAX]; /* run -it: the sequence that detaches (detachkeys.c) */
	struct restart_policy restart; /* --restart: needs init */
	struct health health;          /* detached only */
	size_t n_detach_keys;
	struct security security;
	/* The OCI runtime mode (oci.c). `namespace` records: when any is given, exactly these namespaces are
	 * created (path NULL) or joined (path); else mnt, uts, ipc, pid and (unless network host) net are new. */
	int ns_given;
	struct ns_spec {
		int type; /* CLONE_NEW* */
		char *path;
	} ns[8];
	size_t n_ns;
	/* `uidmap`/`gidmap` records: the maps of a new user namespace, written by a helper child that stays outside */
	struct idmap {
		unsigned long inside, outside, count;
	} *uidmap, *gidmap;
	size_t n_uidmap, n_gidmap;
	char *wait_fifo;      /* the container waits here before its command (OCI create/start); stdio handed in */
	int fifo_fd;          /* its fd, opened by the helper before fork */
	char *console_socket; /* tty: the pty master goes to this unix socket (SCM_RIGHTS) */
	unsigned short console_cols, console_rows; /* `consolesize`: the pty's first size (0: none) */
	char *domainname;
	int oom_score_set, oom_score;
	unsigned long root_propagation; /* `rootpropagation`: MS_SHARED/SLAVE/PRIVATE/UNBINDABLE [|MS_REC]; 0: none */
};

/* `skiff-helper exec` */
struct exec_plan {
	pid_t target; /* host pid of the container's init */
	char **argv;
	size_t argc;
	char **envp;
	size_t envc;
	char *cwd;
	int tty;
	int stdin_open;
	int detach; /* exec -d: the caller goes on at once; with passthrough (OCI exec --detach), see below */
	char **cgroups;
	size_t n_cgroups;
	struct security security;
	int passthrough;      /* the caller's 0, 1, 2 are the process's own (OCI exec), not relayed */
	/* detach with passthrough: exit once the command runs, leaving it to our caller's reaper */
	char *console_socket; /* tty: the pty master goes to this unix socket */
	unsigned short console_cols, console_rows; /* `consolesize` */
};

struct plan_record {
	const char *keyword;
	int fields;
};
extern const struct plan_record plan_records[];
extern const struct plan_record exec_plan_records[];

void plan_read(int fd, struct plan *plan);
void exec_plan_read(int fd, struct exec_plan *plan);

/* ---- error.c ---- */

/* In a child, failures go to the parent through this close-on-exec pipe instead of stderr. */
extern int status_fd;
/* When set (the detached supervisor), every failure ends here after the message is out: it records the exit
 * status and runs the exit command, so the caller can clean up whatever went wrong. */
extern void (*fail_hook)(int code); /* must not return */

/* Prints "skiff: <msg>: strerror(errno)" and exits 125 (in a child: reports it to the parent). */
__attribute__((noreturn, format(printf, 1, 2))) void bail(const char *fmt, ...);
/* Same without the errno part. */
__attribute__((noreturn, format(printf, 1, 2))) void bailx(const char *fmt, ...);
/* Sends an exec failure with its own exit code to the parent (or prints it) and exits. */
__attribute__((noreturn, format(printf, 2, 3))) void fail_with(int code, const char *fmt, ...);
void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- alloc.c: allocation that cannot fail (it bails) ---- */

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- io.c ---- */

int write_all(int fd, const void *buf, size_t len);
ssize_t read_retry(int fd, void *buf, size_t len);
int close_fds_except(int *keep, size_t n);

/* What a child sends its parent on the status pipe when setup or exec fails (code = exit code), and what the
 * detached supervisor sends the helper that started it (code 0 = running, with the init's pid). Less than
 * PIPE_BUF bytes, so it travels in one piece. */
struct status_msg {
	int code;
	pid_t pid;
	char text[1000];
};

/* ---- mounts.c ---- */

enum create { CREATE_NONE, CREATE_DIR, CREATE_FILE };
int resolve_in_root(int rootfd, const char *target, enum create create);
int open_in_root(int rootfd, const char *path);
const char *fd_path(int fd, char buf[32]);
void make_root_private(const struct plan *plan);
void set_root_propagation(const struct plan *plan);
int mount_root(const struct plan *plan);
void mount_in_root(int rootfd, const char *rootfs, const struct mount_spec *m);

/* ---- rootfs.c: the plan's filesystem operations, pivot_root, the working directory ---- */

void build_rootfs(const struct plan *plan);
void enter_root(const char *rootfs);
void enter_cwd(const char *cwd);

/* ---- hostpath.c: host paths opened without following symlinks, used by fd ---- */

int open_host_path(const char *path, int create_mode);
char *host_path_options(const char *data, const char *keys, int *fds, size_t max_fds, size_t *n_fds);

/* ---- copytree.c: `skiff-helper copy-tree` (commit) ---- */

int cmd_copy_tree(const char *src, const char *dst);

/* ---- unpack.c: `skiff-helper unpack` (whiteouts, opaque dirs, device nodes of a pulled layer) ---- */
int cmd_unpack(const char *layer_path);

/* ---- masks.c: masked and read-only paths, the read-only root ---- */

void readonly_path(int rootfd, const char *path);
void mask_path(int rootfd, const char *path);
void readonly_root(void);

/* ---- caps.c ---- */

struct capability {
	const char *name; /* kernel name, "CAP_CHOWN" */
	int number;
};
extern const struct capability capabilities[]; /* ends with { NULL, 0 } */
int capability_number(const char *name);       /* -1 if unknown */
int caps_last(void);
void caps_drop_bounding(const struct security *s);
void caps_set(const struct security *s);

/* ---- seccomp.c ---- */

/* The `syscall` and `sysarg` records of a plan; returns 0 for any other. */
int seccomp_record(const char *keyword, char *fields[], struct security *s);
/* Builds the filter of the plan's records (nothing when unconfined), before anything enters the container. */
void seccomp_prepare(struct security *s);
void seccomp_install(const struct security *s);
void seccomp_print_constants(void); /* for `skiff-helper constants` */

/* ---- seccomp-cache.c: built seccomp programs kept on disk, keyed by their whole input ---- */

/* The two programs seccomp_prepare builds; each filter array is malloc'd. */
struct seccomp_program {
	struct sock_fprog allow_list; /* default EPERM (or the plan's), our checks in front */
	struct sock_fprog deny;       /* default allow; .len 0 when the plan has no such rule */
};
/* DIR/KEY holding exactly INPUT (the canonical bytes of the filter's input, seccomp.c) and its programs, if the
 * file passes every check; NULL otherwise (never an error: the cache only saves time). */
struct seccomp_program *seccomp_cache_load(const char *dir, const void *input, size_t len);
/* Writes INPUT and PROGRAM to DIR/KEY atomically (DIR made 0700 if missing); any failure is silent. */
void seccomp_cache_store(const char *dir, const void *input, size_t len, const struct seccomp_program *program);

/* ---- security.c: the last steps before the command runs (run and exec) ---- */

void security_enter_user(const struct security *s);
void security_finish(const struct security *s);

/* ---- trace.c: SKIFF_TRACE=1 spans for the benchmark ---- */

long long monotonic_ns(void);
int tracing(void);
void trace_span(const char *step, long long start_ns); /* "skiff-trace-span STEP MS" on stderr when tracing */

/* ---- reexec.c ---- */

/* Re-executes the helper from a sealed memfd copy of itself, unless it already runs from one. */
void reexec_from_sealed_copy(char **argv);

/* ---- net.c ---- */

void loopback_up(void);

/* ---- pty.c ---- */

struct winsize;
void pty_setup_child(int sock, const struct winsize *size);
void pty_send_fd(int sock, int fd);
int pty_receive_master(int sock);
void pty_attach(int master, int forward_stdin);
void terminal_copy_size(int master);
void terminal_restore(void);

/* ---- signals.c ---- */

/* What a user or the CLI sends to stop or poke a container; the helper, the supervisor and the init pass
 * them on. */
extern const int forwarded_signals[];
extern const size_t n_forwarded_signals;
void signals_block(void);
void signals_reset_child(void);
int signals_forward(pid_t child);
extern volatile sig_atomic_t got_sigchld, got_sigwinch;
/* Set when the helper shares the caller's foreground process group without raw mode (process.c). */
extern int terminal_signals_ignored;

/* ---- command.c ---- */

__attribute__((noreturn)) void exec_command(char *const argv[], char *const envp[]);

/* ---- process.c: starting the one child (container init or exec'd process), both sides ---- */

/* cgroup.procs files, opened before anything changes our view of the host's filesystem. */
struct cgroups {
	char *const *paths;
	int *fds;
	size_t n;
};
void cgroups_open(struct cgroups *cgroups, char *const *paths, size_t n);
/* teardown.c: once the init is gone, kill what is left in the plan's cgroups and rmdir them (best effort). */
void cgroups_teardown(char *const *files, size_t n);

/* What the child gets from child_start. */
struct child_fds {
	const struct cgroups *cgroups; /* opened by the parent; the child writes 0 to each (joins itself) */
	int status_write;  /* close-on-exec: EOF on exec, else a status_msg */
	int pty_sock;      /* the pty master travels to the parent here (tty only) */
	int parent_pidfd;  /* lets the child notice a parent that died before PR_SET_PDEATHSIG */
	int stdio[3];      /* dup2'ed onto 0, 1, 2 (-1: keep the parent's) */
	const struct winsize *size; /* tty: the pty's first size (NULL: none) */
};

struct start_options {
	int tty;
	const struct cgroups *cgroups;
	int stdio[3];
	const struct winsize *size;
};

struct child {
	pid_t pid;          /* host pid */
	int master;         /* pty master (tty) or -1 */
	int wake;           /* signals.c self-pipe: readable on SIGCHLD/SIGWINCH */
	int failed;         /* setup or exec failed: the child is reaped and failure says why */
	struct status_msg failure;
};

typedef void (*child_main)(const void *arg, const struct child_fds *fds);

/* fd 4 of the helper when the caller opened it, else -1: "pid N\n" goes there once the command runs. */
extern int pid_fd;
void report_pid(pid_t pid);
void report_error(const char *text);

void own_process_group(int stdin_open, int tty);
void child_start(struct child *c, const struct start_options *options, child_main fn, const void *arg);
struct log;
/* Foreground (run, exec): starts the child on pipes (or the pty) and relays them to our stdio and `log`; returns
 * what the helper exits with. */
int child_attached(struct start_options *options, int stdin_open, struct log *log, int linger_ms, child_main fn,
		   const void *arg);
int child_wait(void);
void child_reaped(void);
void child_kill(void);
int exit_code(int status);
/* Child side: first thing after fork. */
void child_prepare(const struct child_fds *fds);
/* Child side: setsid, then with `tty` the container's pty as controlling terminal and stdio. */
void child_session(const struct child_fds *fds, int tty);
/* Child side: the parent's pidfd (kept open until child_rearm_parent_death), -1 after. */
int child_parent_fd(void);
/* Child side: setuid/setgid clear PR_SET_PDEATHSIG; this sets it again (and exits if the parent is gone). */
void child_rearm_parent_death(void);
void stdin_from_null(void);

/* ---- container.c / run.c ---- */

__attribute__((noreturn)) void container_main(const void *plan, const struct child_fds *fds);
int cmd_run(void);

/* ---- init.c ---- */

void init_start(int tty, const struct restart_policy *restart);
/* restart.c: whether the command's exit status leads to another start, and after how long (ms) */
int restart_due(const struct restart_policy *p, int code, unsigned restarts);
long restart_delay_ms(long previous_ms, long ran_ms);
int restart_stops(const struct restart_policy *p, int sig);

/* ---- detach.c / supervise.c / log.c ---- */

int run_detached(const struct plan *plan);
void exec_detach(void); /* returns in the grandchild that goes on (detach.c) */
__attribute__((noreturn)) void supervise(const struct plan *plan, int report);
/* Before the pid namespace is unshared: what a foreground helper needs to become the supervisor later. */
void supervise_prepare(const struct plan *plan);
struct relay;
/* The foreground helper once the detach keys are typed (from inside relay_run, which goes on): leaves the
 * caller's terminal and session, tells the CLI "detached", serves the attach socket. */
void supervise_adopt(struct relay *r);
/* ... and once the container has exited: the status file and the exit command, as supervise() ends. */
__attribute__((noreturn)) void supervise_finish(int code);

struct log {
	const char *path; /* NULL: output is read and dropped */
	int fd;
	unsigned long long size; /* bytes in the current file */
	unsigned long long max;
	unsigned keep;
};
void log_open(struct log *log, const char *path, unsigned long long max, unsigned keep);
void log_write(struct log *log, char stream, const void *buf, size_t len);

/* ---- attach.c: the detached supervisor's attach socket (`skiff attach`) ---- */

#define ATTACH_MAX 4 /* clients at once */
struct pollfd;
/* Listens on PATH (NULL: no socket); MASTER (or -1) is the pty that resize frames apply to. */
void attach_listen(const char *path, int master);
/* Fills P with the listening socket and the clients (1 + ATTACH_MAX entries, -1 when unused; clients only when
 * WANT_INPUT); returns how many. */
int attach_pollfds(struct pollfd *p, int want_input);
/* Accepts and reads after poll; returns the stdin bytes a client sent, put in BUF (0: none). */
size_t attach_events(const struct pollfd *p, char *buf, size_t cap);
void attach_output(char stream, const void *buf, size_t len); /* to every client */
void attach_exit(int code); /* the exit frame, then closes and removes the socket */

/* ---- detachkeys.c: the detach sequence of `run -it` ---- */

void detach_keys_set(const unsigned char *bytes, size_t n);
int detach_keys_active(void);
size_t detach_keys_filter(char *buf, size_t n, int *detached);

/* ---- namespaces.c: the pid namespace of the container (new, the host's, another's) ---- */

void pid_namespace_enter(const struct plan *plan); /* the helper, before it forks the init */

/* ---- sysctl.c: a plan's sysctl operations are of the container's own namespaces (else it bails) ---- */

void sysctl_check(const struct plan *plan);

/* ---- health.c: health checks run by the supervisor ---- */

/* After the container runs: moves our later forks to the host's pid namespace, writes the first state. */
void health_start(const struct health *health, pid_t init, int host_pidns);
void health_save(void);
int health_pollfd(struct pollfd *p); /* fills one entry (fd -1 when no probe runs); returns 1 */
int health_timeout_ms(void);         /* until the next probe or the running one's deadline; -1: none */
void health_events(const struct pollfd *p); /* after every poll, even a timeout */
void health_stop(void);

/* ---- relay.c ---- */

/* fd 5 of the helper when the caller opened it (the library's resize(cols, rows)), else -1. */
extern int resize_fd;

struct relay {
	int in;                 /* the caller's stdin, or -1 */
	int to_child;           /* the container's stdin: pipe write end, the pty master, or -1 */
	int out, err;           /* the container's stdout/stderr read ends (or the master as out), or -1 */
	int out_dest, err_dest; /* the caller's stdout/stderr, or -1 (the supervisor: the log only) */
	int master;             /* the pty master, or -1 */
	struct log *log;
	int wake;               /* signals.c self-pipe */
	pid_t pid;
	int linger_ms;          /* once the child exited: how long output may stay quiet before we stop */
	int detached;           /* set when the detach keys were typed: relay_run returned early, every fd open */
};
/* Relays until the child has exited and its output is drained (or quiet for linger_ms); returns its wait
 * status. Closes every fd of the relay but the caller's. */
int relay_run(struct relay *r);

/* ---- oci.c: the OCI runtime mode (skiff-runc create/exec) ---- */

int oci_console_connect(const char *path);
int run_oci(struct plan *plan);
void oci_enter_namespaces(const struct plan *plan);
int oci_new_namespace(const struct plan *plan, int type);
void oci_process_setup(void);
void oci_release_fds(const struct plan *plan);
void oom_score_setup(const struct plan *plan);
void oci_wait_start(const struct plan *plan);
int oci_child_start(struct child *c, struct cgroups *cgroups, int tty, unsigned short cols, unsigned short rows, int console,
		    child_main fn, const void *arg);

/* ---- exec.c ---- */

int cmd_exec(void);

#endif
