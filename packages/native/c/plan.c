/*
 * Reads the launch plan from fd 3. Wire format (keep in sync with src/plan.ts, which documents it): a
 * sequence of NUL-terminated strings; each record is a keyword followed by a fixed number of fields; the
 * plan ends with "end". Reading stops at "end", so the writer need not close the pipe.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

/* Keyword and field count of every record. Keep in sync with PLAN_RECORDS in src/plan.ts (a test checks). */
const struct plan_record plan_records[] = {
	{ "rootfs", 1 }, { "mount", 5 }, { "hostname", 1 }, { "cwd", 1 },   { "arg", 1 },    { "env", 1 },
	{ "tty", 1 },    { "stdin", 1 }, { "network", 1 },  { "cgroup", 1 }, { "end", 0 },    { NULL, 0 },
};

struct reader {
	int fd;
	char *buf;
	size_t len, pos, cap;
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
		if (n == 0)
			bailx("read plan: ended before \"end\"");
		r->len += n;
	}
}

static void push(char ***list, size_t *count, char *value)
{
	*list = xrealloc(*list, (*count + 2) * sizeof **list);
	(*list)[(*count)++] = value;
	(*list)[*count] = NULL;
}

static int flag01(const char *keyword, char *value)
{
	if (strcmp(value, "0") && strcmp(value, "1"))
		bailx("plan: %s must be 0 or 1, not \"%s\"", keyword, value);
	int on = value[0] == '1';
	free(value);
	return on;
}

static unsigned long parse_flags(const char *text)
{
	char *end;
	errno = 0;
	unsigned long flags = strtoul(text, &end, 10);
	if (errno || !*text || *end || flags > 0xffffffffUL)
		bailx("plan: bad mount flags \"%s\"", text);
	return flags;
}

static void validate(struct plan *plan)
{
	if (!plan->rootfs || plan->rootfs[0] != '/')
		bailx("plan: rootfs must be an absolute path");
	if (plan->n_mounts == 0 || strcmp(plan->mounts[0].target, "/"))
		bailx("plan: the first mount must have target \"/\"");
	for (size_t i = 1; i < plan->n_mounts; i++)
		if (plan->mounts[i].target[0] != '/')
			bailx("plan: mount target \"%s\" is not absolute", plan->mounts[i].target);
	if (plan->argc == 0)
		bailx("plan: no command");
	if (!plan->cwd || plan->cwd[0] != '/')
		bailx("plan: cwd must be an absolute path");
	if (!plan->hostname)
		plan->hostname = xstrdup("");
}

static const struct plan_record *lookup(const char *keyword)
{
	for (const struct plan_record *rec = plan_records; rec->keyword; rec++)
		if (!strcmp(rec->keyword, keyword))
			return rec;
	bailx("plan: unknown record \"%s\"", keyword);
}

void plan_read(int fd, struct plan *plan)
{
	struct reader r = { .fd = fd };
	memset(plan, 0, sizeof *plan);
	plan->argv = xmalloc(sizeof(char *));
	plan->argv[0] = NULL;
	plan->envp = xmalloc(sizeof(char *));
	plan->envp[0] = NULL;

	for (;;) {
		/* The table says how many fields follow; the record is read whole before it is interpreted. */
		char *keyword = next_string(&r);
		const struct plan_record *rec = lookup(keyword);
		char *f[5] = { 0 }; /* no record has more fields than "mount" */
		for (int i = 0; i < rec->fields && i < 5; i++)
			f[i] = next_string(&r);
		free(keyword);
		const char *k = rec->keyword;

		if (!strcmp(k, "end")) {
			break;
		} else if (!strcmp(k, "rootfs")) {
			free(plan->rootfs);
			plan->rootfs = f[0];
		} else if (!strcmp(k, "mount")) {
			plan->mounts = xrealloc(plan->mounts, (plan->n_mounts + 1) * sizeof *plan->mounts);
			struct mount_spec *m = &plan->mounts[plan->n_mounts++];
			m->source = f[0];
			m->target = f[1];
			m->fstype = f[2];
			m->flags = parse_flags(f[3]);
			free(f[3]);
			m->data = f[4];
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
		} else if (!strcmp(k, "cgroup")) {
			push(&plan->cgroups, &plan->n_cgroups, f[0]);
		}
	}
	free(r.buf);
	validate(plan);
}
