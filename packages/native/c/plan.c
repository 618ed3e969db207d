/*
 * Reads the plans from fd 3. Wire format (keep in sync with src/plan.ts, which documents it): a sequence of
 * NUL-terminated strings; each record is a keyword followed by a fixed number of fields; the plan ends with
 * "end". Reading stops at "end", so the writer need not close the pipe. `run` and `exec` have their own
 * record tables.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

/* Keyword and field count of every record. Keep in sync with PLAN_RECORDS in src/plan.ts (a test checks). */
const struct plan_record plan_records[] = {
	{ "rootfs", 1 }, { "hostname", 1 }, { "cwd", 1 }, { "arg", 1 }, { "env", 1 },
	{ "tty", 1 }, { "stdin", 1 }, { "network", 1 }, { "netns", 2 }, { "cgroup", 1 }, { "init", 1 },
	{ "detach", 1 }, { "log", 1 }, { "logmax", 1 }, { "logkeep", 1 }, { "status", 1 }, { "exitcmd", 1 },
	{ "attach", 1 }, { "detachkeys", 1 }, { "restart", 3 }, { "health", 5 }, { "healthstate", 1 }, { "healthstartinterval", 1 },
	/* security (shared with exec) */
	{ "cap", 1 }, { "capinh", 1 }, { "capamb", 1 }, { "allcaps", 1 }, { "nonewprivs", 1 }, { "seccomp", 1 }, { "syscall", 2 }, { "sysarg", 4 }, { "seccompdefault", 1 }, { "seccompcache", 1 },
	{ "user", 2 }, { "group", 1 }, { "umask", 1 }, { "rlimit", 3 },
	{ "readonlyroot", 1 },
	/* the OCI runtime mode (oci.c) */
	{ "namespace", 2 }, { "uidmap", 3 }, { "gidmap", 3 }, { "waitfifo", 1 }, { "consolesocket", 1 }, { "consolesize", 2 }, { "domainname", 1 }, { "oomscore", 1 }, { "rootpropagation", 1 },
	/* the container's filesystem: operations, carried out in plan order */
	{ "mount", 6 }, { "device", 5 }, { "symlink", 2 }, { "readonly", 1 }, { "mask", 1 }, { "sysctl", 2 },
	/* modifies the mount before it */
	{ "hostpath", 1 }, { "hostopts", 1 },
	{ "end", 0 }, { NULL, 0 },
};

/* Keep in sync with MOUNT_OPTIONS in src/plan.ts (a test checks). */
const struct mount_option mount_options[] = {
	{ "optional", MOUNT_OPTIONAL },
	{ "recursive", MOUNT_RECURSIVE },
	{ NULL, 0 },
};

/* Keep in sync with EXEC_PLAN_RECORDS in src/plan.ts (a test checks). */
const struct plan_record exec_plan_records[] = {
	{ "target", 1 }, { "arg", 1 }, { "env", 1 }, { "cwd", 1 }, { "tty", 1 }, { "stdin", 1 }, { "cgroup", 1 },
	{ "detach", 1 }, /* exec -d; with passthrough, OCI exec --detach */
	/* security (shared with run) */
	{ "cap", 1 }, { "capinh", 1 }, { "capamb", 1 }, { "allcaps", 1 }, { "nonewprivs", 1 }, { "seccomp", 1 }, { "syscall", 2 }, { "sysarg", 4 }, { "seccompdefault", 1 }, { "seccompcache", 1 },
	{ "user", 2 }, { "group", 1 }, { "umask", 1 }, { "rlimit", 3 },
	/* the OCI runtime mode */
	{ "passthrough", 1 }, { "consolesocket", 1 }, { "consolesize", 2 },
	{ "end", 0 }, { NULL, 0 },
};

#define MAX_FIELDS 6 /* no record has more fields than "mount" */

struct reader {
	int fd;
	char *buf;
	size_t len, pos, cap, total;
};

/* Returns the next NUL-terminated string (a fresh copy), reading more from the fd as needed. */
static char *next_string(struct reader *r)
{
	for (;;) {
		char *nul = r->pos < r->len ? memchr(r->buf + r->pos, '\0', r->len - r->pos) : NULL;
		if (nul) {
			char *s = xstrdup(r->buf + r->pos);
			r->pos = nul - r->buf + 1;
			return s;
		}
		/* Keep only the unread tail, then read more after it. */
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
		if (r->len == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 4096;
			r->buf = xrealloc(r->buf, r->cap);
		}
		ssize_t n = read_retry(r->fd, r->buf + r->len, r->cap - r->len);
		if (n < 0)
			bail("read plan");
		/* Nothing at all: the caller started us early and then could not make the plan (core's start.ts); it
		 * says why itself. */
		if (n == 0 && r->total == 0)
			exit(EXIT_SETUP);
		if (n == 0)
			bailx("read plan: ended before \"end\"");
		r->len += n;
		r->total += n;
	}
}

/* Reads one whole record of TABLE: returns its keyword (from the table) and stores fresh copies of its fields. */
static const char *next_record(struct reader *r, const struct plan_record *table, char *f[MAX_FIELDS])
{
	char *keyword = next_string(r);
	const struct plan_record *rec = table;
	while (rec->keyword && strcmp(rec->keyword, keyword))
		rec++;
	if (!rec->keyword)
		bailx("plan: unknown record \"%s\"", keyword);
	free(keyword);
	for (int i = 0; i < MAX_FIELDS; i++)
		f[i] = i < rec->fields ? next_string(r) : NULL;
	return rec->keyword;
}

static void push(char ***list, size_t *count, char *value)
{
	*list = xrealloc(*list, (*count + 2) * sizeof **list);
	(*list)[(*count)++] = value;
	(*list)[*count] = NULL;
}

static char **empty_list(void)
{
	char **list = xmalloc(sizeof(char *));
	list[0] = NULL;
	return list;
}

static int flag01(const char *keyword, char *value)
{
	if (strcmp(value, "0") && strcmp(value, "1"))
		bailx("plan: %s must be 0 or 1, not \"%s\"", keyword, value);
	int on = value[0] == '1';
	free(value);
	return on;
}

/* A decimal number no larger than MAX; frees the text. */
static unsigned long long number(const char *keyword, char *text, unsigned long long max)
{
	char *end;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (errno || !*text || *end || text[0] == '-' || value > max)
		bailx("plan: bad %s \"%s\"", keyword, text);
	free(text);
	return value;
}

/* An octal number no larger than MAX (a file mode); frees the text. */
static unsigned long octal(const char *keyword, char *text, unsigned long max)
{
	char *end;
	errno = 0;
	unsigned long value = strtoul(text, &end, 8);
	if (errno || !*text || *end || text[0] == '-' || value > max)
		bailx("plan: bad %s \"%s\"", keyword, text);
	free(text);
	return value;
}

/* The records run and exec share (user, capabilities, no_new_privs, seccomp). Returns 0 for any other. */
static int security_record(const char *k, char *f[MAX_FIELDS], struct security *s)
{
	if (!strcmp(k, "cap")) {
		int cap = capability_number(f[0]);
		if (cap < 0)
			bailx("plan: unknown capability \"%s\"", f[0]);
		s->caps |= 1ULL << cap;
		free(f[0]);
	} else if (!strcmp(k, "capinh") || !strcmp(k, "capamb")) {
		int cap = capability_number(f[0]);
		if (cap < 0)
			bailx("plan: unknown capability \"%s\"", f[0]);
		if (k[3] == 'i')
			s->inheritable |= 1ULL << cap;
		else
			s->ambient |= 1ULL << cap;
		free(f[0]);
	} else if (!strcmp(k, "allcaps")) {
		s->all_caps = flag01(k, f[0]);
	} else if (!strcmp(k, "nonewprivs")) {
		s->no_new_privs = flag01(k, f[0]);
	} else if (!strcmp(k, "seccomp")) {
		if (strcmp(f[0], "filter") && strcmp(f[0], "unconfined"))
			bailx("plan: unknown seccomp mode \"%s\" (filter or unconfined)", f[0]);
		s->seccomp = !strcmp(f[0], "filter");
		free(f[0]);
	} else if (!strcmp(k, "seccompcache")) {
		if (f[0][0] != '/')
			bailx("plan: seccompcache must be an absolute path, not \"%s\"", f[0]);
		free(s->seccomp_cache);
		s->seccomp_cache = f[0];
	} else if (!strcmp(k, "user")) {
		s->uid = (uid_t)number("user uid", f[0], 0xfffffffeULL);
		s->gid = (gid_t)number("user gid", f[1], 0xfffffffeULL);
	} else if (!strcmp(k, "group")) {
		s->groups = xrealloc(s->groups, (s->n_groups + 1) * sizeof *s->groups);
		s->groups[s->n_groups++] = (gid_t)number("group", f[0], 0xfffffffeULL);
	} else if (!strcmp(k, "umask")) {
		s->umask_value = (mode_t)octal(k, f[0], 0777);
	} else if (!strcmp(k, "rlimit")) {
		int resource = rlimit_number(f[0]);
		if (resource < 0)
			bailx("plan: unknown rlimit \"%s\"", f[0]);
		free(f[0]);
		s->rlimits = xrealloc(s->rlimits, (s->n_rlimits + 1) * sizeof *s->rlimits);
		struct rlimit_spec *l = &s->rlimits[s->n_rlimits++];
		l->resource = resource;
		l->soft = number("rlimit soft", f[1], ~0ULL);
		l->hard = number("rlimit hard", f[2], ~0ULL);
		if (l->soft > l->hard)
			bailx("plan: rlimit soft limit above the hard one");
	} else {
		return seccomp_record(k, f, s);
	}
	return 1;
}

static void require_absolute(const char *what, const char *path)
{
	if (path && path[0] != '/')
		bailx("plan: %s must be an absolute path, not \"%s\"", what, path);
}

/* The last component of an absolute PATH must name a file: "/dev/x", not "/", "/dev/." or "/dev/..". */
static void require_file_path(const char *what, const char *path)
{
	require_absolute(what, path);
	const char *name = strrchr(path, '/');
	if (!strcmp(name, "/") || !strcmp(name, "/.") || !strcmp(name, "/.."))
		bailx("plan: %s path \"%s\" does not name a file", what, path);
}

#define RECURSIVE_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

static void validate_op(const struct fs_op *op)
{
	switch (op->kind) {
	case FS_MOUNT:
		if (op->mount.target[0] != '/')
			bailx("plan: mount target \"%s\" is not absolute", op->mount.target);
		if ((op->mount.options & MOUNT_RECURSIVE) &&
		    (!(op->mount.flags & MS_BIND) || (op->mount.flags & ~(MS_BIND | MS_REC | RECURSIVE_FLAGS))))
			bailx("plan: recursive mount on %s must be a bind with only ro, nosuid, nodev, noexec",
			      op->mount.target);
		break;
	case FS_DEVICE:
		require_file_path("device", op->device.path);
		break;
	case FS_SYMLINK:
		require_file_path("symlink", op->symlink.path);
		break;
	case FS_READONLY:
		require_absolute("readonly", op->path);
		break;
	case FS_MASK:
		require_absolute("mask", op->path);
		break;
	case FS_SYSCTL:
		/* Only a name below /proc/sys: no "..", no leading "/" */
		if (!op->sysctl.key[0] || op->sysctl.key[0] == '/' || op->sysctl.key[0] == '.' || strstr(op->sysctl.key, ".."))
			bailx("plan: bad sysctl name \"%s\"", op->sysctl.key);
		break;
	}
}

static void validate(struct plan *plan)
{
	if (!plan->rootfs || plan->rootfs[0] != '/')
		bailx("plan: rootfs must be an absolute path");
	if (plan->n_ops == 0 || plan->ops[0].kind != FS_MOUNT || strcmp(plan->ops[0].mount.target, "/"))
		bailx("plan: the first filesystem record must be the mount of \"/\"");
	for (size_t i = 1; i < plan->n_ops; i++)
		validate_op(&plan->ops[i]);
	if (plan->argc == 0)
		bailx("plan: no command");
	if (!plan->cwd || plan->cwd[0] != '/')
		bailx("plan: cwd must be an absolute path");
	if (!plan->hostname)
		plan->hostname = xstrdup("");
	/* The supervisor runs from "/" (it must not pin the caller's working directory). */
	require_absolute("log", plan->log);
	require_absolute("status", plan->status_file);
	if (plan->attach)
		require_file_path("attach", plan->attach);
	require_absolute("health", plan->health.plan);
	require_absolute("healthstate", plan->health.state_file);
	if (!plan->health.plan != !plan->health.state_file)
		bailx("plan: health and healthstate go together");
	if (plan->restart.mode != RESTART_NO && !plan->init)
		bailx("plan: restart needs init");
	if (plan->exit_argc)
		require_absolute("exitcmd", plan->exit_argv[0]);
	require_absolute("waitfifo", plan->wait_fifo);
	if (plan->wait_fifo && (plan->detach || plan->init))
		bailx("plan: waitfifo excludes detach and init");
	if (plan->tty && plan->wait_fifo && !plan->console_socket)
		bailx("plan: a tty with waitfifo needs a console socket");
	if ((plan->n_uidmap || plan->n_gidmap) != (oci_new_namespace(plan, CLONE_NEWUSER) && plan->n_uidmap && plan->n_gidmap))
		bailx("plan: uidmap and gidmap records go with a new user namespace, both");
	sysctl_check(plan);
}

/* A mount record's OPTIONS: comma-separated words of mount_options[]; frees the text. */
static int mount_option_bits(char *text)
{
	int bits = 0;
	for (char *save = NULL, *word = strtok_r(text, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
		const struct mount_option *o = mount_options;
		while (o->word && strcmp(o->word, word))
			o++;
		if (!o->word)
			bailx("plan: unknown mount option \"%s\"", word);
		bits |= o->bit;
	}
	free(text);
	return bits;
}

/* The mount a modifier record (hostpath, hostopts) applies to: the operation just before it, not the root's. */
static struct mount_spec *last_mount(struct plan *plan, const char *keyword)
{
	if (plan->n_ops < 2 || plan->ops[plan->n_ops - 1].kind != FS_MOUNT)
		bailx("plan: %s must follow a mount other than the root's", keyword);
	return &plan->ops[plan->n_ops - 1].mount;
}

/* Appends a filesystem operation of KIND and returns it. */
static struct fs_op *push_op(struct plan *plan, enum fs_op_kind kind)
{
	plan->ops = xrealloc(plan->ops, (plan->n_ops + 1) * sizeof *plan->ops);
	struct fs_op *op = &plan->ops[plan->n_ops++];
	memset(op, 0, sizeof *op);
	op->kind = kind;
	return op;
}

/* `consolesocket` and `consolesize`, shared by run and exec; returns 0 for any other record. */
static int console_record(const char *k, char *f[MAX_FIELDS], char **socket, unsigned short *cols, unsigned short *rows)
{
	if (!strcmp(k, "consolesocket")) {
		free(*socket);
		*socket = f[0];
	} else if (!strcmp(k, "consolesize")) {
		*cols = (unsigned short)number("consolesize width", f[0], 0xffff);
		*rows = (unsigned short)number("consolesize height", f[1], 0xffff);
	} else {
		return 0;
	}
	return 1;
}

/* `namespace TYPE PATH`: TYPE as in OCI's config.json, PATH "" for a new one. */
static void namespace_record(struct plan *plan, char *f[MAX_FIELDS])
{
	static const struct {
		const char *name;
		int type;
	} types[] = {
		{ "pid", CLONE_NEWPID }, { "network", CLONE_NEWNET }, { "ipc", CLONE_NEWIPC },
		{ "uts", CLONE_NEWUTS }, { "mount", CLONE_NEWNS }, { "cgroup", CLONE_NEWCGROUP }, { "user", CLONE_NEWUSER },
	};
	size_t i = 0;
	while (i < sizeof types / sizeof *types && strcmp(types[i].name, f[0]))
		i++;
	if (i == sizeof types / sizeof *types)
		bailx("plan: unknown namespace \"%s\"", f[0]);
	for (size_t j = 0; j < plan->n_ns; j++)
		if (plan->ns[j].type == types[i].type)
			bailx("plan: namespace %s given twice", f[0]);
	if (f[1][0] && f[1][0] != '/')
		bailx("plan: namespace path must be absolute, not \"%s\"", f[1]);
	plan->ns_given = 1;
	plan->ns[plan->n_ns].type = types[i].type;
	plan->ns[plan->n_ns++].path = f[1][0] ? f[1] : NULL;
	free(f[0]);
}

void plan_read(int fd, struct plan *plan)
{
	struct reader r = { .fd = fd };
	memset(plan, 0, sizeof *plan);
	plan->netns_fd = -1;
	plan->argv = empty_list();
	plan->envp = empty_list();
	plan->exit_argv = empty_list();
	plan->log_keep = 1;
	plan->security.seccomp = 1;
	plan->security.umask_value = 022;
	plan->fifo_fd = -1;

	for (;;) {
		char *f[MAX_FIELDS];
		const char *k = next_record(&r, plan_records, f);
		if (!strcmp(k, "end")) {
			break;
		} else if (!strcmp(k, "rootfs")) {
			free(plan->rootfs);
			plan->rootfs = f[0];
		} else if (!strcmp(k, "mount")) {
			struct mount_spec *m = &push_op(plan, FS_MOUNT)->mount;
			m->source = f[0];
			m->target = f[1];
			m->fstype = f[2];
			m->flags = number("mount flags", f[3], 0xffffffffULL);
			m->data = f[4];
			m->options = mount_option_bits(f[5]);
		} else if (!strcmp(k, "hostopts")) {
			struct mount_spec *m = last_mount(plan, k);
			if (m->flags & MS_BIND)
				bailx("plan: hostopts applies to filesystem mounts only (bind mounts take hostpath)");
			free(m->host_opts);
			m->host_opts = f[0];
		} else if (!strcmp(k, "hostpath")) {
			struct mount_spec *m = last_mount(plan, k);
			if (!(m->flags & MS_BIND))
				bailx("plan: hostpath applies to bind mounts only");
			m->host_source = 1;
			m->host_create_mode = strcmp(f[0], "-") ? (int)strtoul(f[0], NULL, 8) : -1;
			if (m->host_create_mode > 07777)
				bailx("plan: hostpath mode %s is not a file mode", f[0]);
			free(f[0]);
		} else if (!strcmp(k, "hostname")) {
			free(plan->hostname);
			plan->hostname = f[0];
		} else if (!strcmp(k, "cwd")) {
			free(plan->cwd);
			plan->cwd = f[0];
		} else if (!strcmp(k, "arg")) {
			push(&plan->argv, &plan->argc, f[0]);
		} else if (!strcmp(k, "env")) {
			push(&plan->envp, &plan->envc, f[0]);
		} else if (!strcmp(k, "tty")) {
			plan->tty = flag01(k, f[0]);
		} else if (!strcmp(k, "stdin")) {
			plan->stdin_open = flag01(k, f[0]);
		} else if (!strcmp(k, "network")) {
			if (strcmp(f[0], "none") && strcmp(f[0], "host"))
				bailx("plan: unknown network mode \"%s\"", f[0]);
			plan->net_host = !strcmp(f[0], "host");
			free(f[0]);
		} else if (!strcmp(k, "netns")) {
			/* Opened now, by the helper, before it clones: the fd keeps the namespace alive until the child
			 * joins it. With DROP 1 the path is a name skiff made for this start (ip netns add: a bind mount of
			 * the namespace) and goes at once, as `ip netns del` would: from here on the container alone keeps
			 * the namespace, and the kernel removes it (and its veths) when the container is gone. */
			if (f[0][0] != '/')
				bailx("plan: netns must be an absolute path");
			if (plan->netns_fd >= 0)
				close(plan->netns_fd);
			plan->netns_fd = open(f[0], O_RDONLY | O_CLOEXEC);
			if (plan->netns_fd < 0)
				bail("open network namespace %s", f[0]);
			if (flag01(k, f[1])) {
				umount2(f[0], MNT_DETACH);
				unlink(f[0]);
			}
			free(f[0]);
		} else if (!strcmp(k, "cgroup")) {
			push(&plan->cgroups, &plan->n_cgroups, f[0]);
		} else if (!strcmp(k, "init")) {
			plan->init = flag01(k, f[0]);
		} else if (!strcmp(k, "detach")) {
			plan->detach = flag01(k, f[0]);
		} else if (!strcmp(k, "log")) {
			free(plan->log);
			plan->log = f[0];
		} else if (!strcmp(k, "logmax")) {
			plan->log_max = number(k, f[0], 1ULL << 62);
		} else if (!strcmp(k, "logkeep")) {
			plan->log_keep = number(k, f[0], 1000);
		} else if (!strcmp(k, "status")) {
			free(plan->status_file);
			plan->status_file = f[0];
		} else if (!strcmp(k, "attach")) {
			free(plan->attach);
			plan->attach = f[0];
		} else if (!strcmp(k, "health")) {
			free(plan->health.plan);
			plan->health.plan = f[0];
			plan->health.interval_ms = (long)number("health interval", f[1], 86400000);
			plan->health.timeout_ms = (long)number("health timeout", f[2], 86400000);
			plan->health.start_period_ms = (long)number("health start period", f[3], 86400000);
			plan->health.retries = (unsigned)number("health retries", f[4], 1000000);
			if (plan->health.interval_ms < 1 || plan->health.timeout_ms < 1)
				bailx("plan: health interval and timeout must be at least 1 ms");
		} else if (!strcmp(k, "healthstartinterval")) {
			plan->health.start_interval_ms = (long)number("health start interval", f[0], 86400000);
			if (plan->health.start_interval_ms < 1)
				bailx("plan: health start interval must be at least 1 ms");
		} else if (!strcmp(k, "healthstate")) {
			free(plan->health.state_file);
			plan->health.state_file = f[0];
		} else if (!strcmp(k, "restart")) {
			if (strcmp(f[0], "no") && strcmp(f[0], "on-failure") && strcmp(f[0], "always"))
				bailx("plan: unknown restart mode \"%s\" (no, on-failure, always)", f[0]);
			plan->restart.mode = !strcmp(f[0], "no") ? RESTART_NO : !strcmp(f[0], "always") ? RESTART_ALWAYS
											  : RESTART_ON_FAILURE;
			free(f[0]);
			plan->restart.max = (unsigned)number("restart max", f[1], 1000000);
			plan->restart.stop_signal = (int)number("restart stop signal", f[2], 64);
		} else if (!strcmp(k, "detachkeys")) {
			/* hex: the sequence may hold a NUL (ctrl-@) */
			size_t len = strlen(f[0]);
			if (len == 0 || len % 2 || len / 2 > DETACH_KEYS_MAX || strspn(f[0], "0123456789abcdef") != len)
				bailx("plan: detachkeys must be 1 to %d bytes in lowercase hex, not \"%s\"", DETACH_KEYS_MAX, f[0]);
			for (size_t i = 0; i < len / 2; i++) {
				char byte[3] = { f[0][2 * i], f[0][2 * i + 1], 0 };
				plan->detach_keys[i] = (unsigned char)strtoul(byte, NULL, 16);
			}
			plan->n_detach_keys = len / 2;
			free(f[0]);
		} else if (!strcmp(k, "exitcmd")) {
			push(&plan->exit_argv, &plan->exit_argc, f[0]);
		} else if (!strcmp(k, "readonlyroot")) {
			plan->readonly_root = flag01(k, f[0]);
		} else if (!strcmp(k, "namespace")) {
			namespace_record(plan, f);
		} else if (!strcmp(k, "uidmap") || !strcmp(k, "gidmap")) {
			int uid = k[0] == 'u';
			struct idmap **maps = uid ? &plan->uidmap : &plan->gidmap;
			size_t *n = uid ? &plan->n_uidmap : &plan->n_gidmap;
			if (*n == 340)
				bailx("plan: too many %s records", k);
			*maps = xrealloc(*maps, (*n + 1) * sizeof **maps);
			(*maps)[*n].inside = number("map inside", f[0], 0xffffffffULL);
			(*maps)[*n].outside = number("map outside", f[1], 0xffffffffULL);
			(*maps)[*n].count = number("map count", f[2], 0xffffffffULL);
			(*n)++;
		} else if (!strcmp(k, "waitfifo")) {
			free(plan->wait_fifo);
			plan->wait_fifo = f[0];
		} else if (console_record(k, f, &plan->console_socket, &plan->console_cols, &plan->console_rows)) {
		} else if (!strcmp(k, "domainname")) {
			free(plan->domainname);
			plan->domainname = f[0];
		} else if (!strcmp(k, "rootpropagation")) {
			unsigned long flags = (unsigned long)number("rootpropagation", f[0], ~0UL), type = flags & ~MS_REC;
			if (type != MS_PRIVATE && type != MS_SLAVE && type != MS_SHARED && type != MS_UNBINDABLE)
				bailx("plan: rootpropagation %lu is not one propagation type (MS_REC allowed)", flags);
			plan->root_propagation = flags;
		} else if (!strcmp(k, "oomscore")) {
			char *end;
			long v = strtol(f[0], &end, 10);
			if (!*f[0] || *end || v < -1000 || v > 1000)
				bailx("plan: bad oomscore \"%s\" (-1000..1000)", f[0]);
			free(f[0]);
			plan->oom_score_set = 1;
			plan->oom_score = (int)v;
		} else if (!strcmp(k, "sysctl")) {
			struct fs_op *op = push_op(plan, FS_SYSCTL);
			op->sysctl.key = f[0];
			op->sysctl.value = f[1];
		} else if (!strcmp(k, "symlink")) {
			struct fs_op *op = push_op(plan, FS_SYMLINK);
			op->symlink.path = f[0];
			op->symlink.to = f[1];
		} else if (!strcmp(k, "readonly")) {
			push_op(plan, FS_READONLY)->path = f[0];
		} else if (!strcmp(k, "mask")) {
			push_op(plan, FS_MASK)->path = f[0];
		} else if (!strcmp(k, "device")) {
			struct device_spec *d = &push_op(plan, FS_DEVICE)->device;
			d->path = f[0];
			if (strcmp(f[1], "c") && strcmp(f[1], "b") && strcmp(f[1], "p"))
				bailx("plan: device type must be c, b or p, not \"%s\"", f[1]);
			d->type = f[1][0] == 'c' ? S_IFCHR : f[1][0] == 'b' ? S_IFBLK : S_IFIFO;
			free(f[1]);
			d->major = (unsigned)number("device major", f[2], 0xfff);
			d->minor = (unsigned)number("device minor", f[3], 0xfffff);
			d->mode = (mode_t)octal("device mode", f[4], 07777);
		} else if (!security_record(k, f, &plan->security)) {
			bailx("plan: record \"%s\" not handled", k); /* cannot happen: every keyword of the table is */
		}
	}
	free(r.buf);
	validate(plan);
	seccomp_prepare(&plan->security);
}

void exec_plan_read(int fd, struct exec_plan *plan)
{
	struct reader r = { .fd = fd };
	memset(plan, 0, sizeof *plan);
	plan->argv = empty_list();
	plan->envp = empty_list();
	plan->security.seccomp = 1;
	plan->security.umask_value = 022;

	for (;;) {
		char *f[MAX_FIELDS];
		const char *k = next_record(&r, exec_plan_records, f);
		if (!strcmp(k, "end")) {
			break;
		} else if (!strcmp(k, "target")) {
			plan->target = (pid_t)number("target pid", f[0], 0x3fffffff);
		} else if (!strcmp(k, "arg")) {
			push(&plan->argv, &plan->argc, f[0]);
		} else if (!strcmp(k, "env")) {
			push(&plan->envp, &plan->envc, f[0]);
		} else if (!strcmp(k, "cwd")) {
			free(plan->cwd);
			plan->cwd = f[0];
		} else if (!strcmp(k, "tty")) {
			plan->tty = flag01(k, f[0]);
		} else if (!strcmp(k, "stdin")) {
			plan->stdin_open = flag01(k, f[0]);
		} else if (!strcmp(k, "cgroup")) {
			push(&plan->cgroups, &plan->n_cgroups, f[0]);
		} else if (!strcmp(k, "passthrough")) {
			plan->passthrough = flag01(k, f[0]);
		} else if (!strcmp(k, "detach")) {
			plan->detach = flag01(k, f[0]);
		} else if (console_record(k, f, &plan->console_socket, &plan->console_cols, &plan->console_rows)) {
		} else if (!security_record(k, f, &plan->security)) {
			bailx("plan: record \"%s\" not handled", k); /* cannot happen */
		}
	}
	free(r.buf);
	if (plan->target <= 0)
		bailx("plan: no target pid");
	if (plan->detach && !plan->passthrough && (plan->tty || plan->stdin_open))
		bailx("plan: a detached exec has no terminal and no stdin");
	if (plan->argc == 0)
		bailx("plan: no command");
	if (!plan->cwd || plan->cwd[0] != '/')
		bailx("plan: cwd must be an absolute path");
	if (plan->tty && plan->passthrough && !plan->console_socket)
		bailx("plan: a passthrough tty needs a console socket");
	seccomp_prepare(&plan->security);
}
