/*
 * Capabilities: root in a container keeps only the set the plan lists (docker's default: 14 of them), and
 * a non-root user gets none in effect. Two steps, around the user switch in security.c:
 *   1. caps_drop_bounding: drop every other capability from the bounding set, which caps what any later
 *      execve can grant (a setuid-root binary, file capabilities). Needs CAP_SETPCAP, so it runs while we
 *      still hold everything.
 *   2. caps_set: capset(2) the effective, permitted and inheritable sets, and set the ambient set.
 * Raw capget/capset syscalls with _LINUX_CAPABILITY_VERSION_3 (two 32-bit words per set): no libcap.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper.h"

/* Every capability by its kernel name. Keep in sync with CAPABILITIES in src/capabilities.ts (a test checks). */
const struct capability capabilities[] = {
#define CAP(name) { #name, name }
	CAP(CAP_CHOWN),           CAP(CAP_DAC_OVERRIDE),     CAP(CAP_DAC_READ_SEARCH), CAP(CAP_FOWNER),
	CAP(CAP_FSETID),          CAP(CAP_KILL),             CAP(CAP_SETGID),          CAP(CAP_SETUID),
	CAP(CAP_SETPCAP),         CAP(CAP_LINUX_IMMUTABLE),  CAP(CAP_NET_BIND_SERVICE), CAP(CAP_NET_BROADCAST),
	CAP(CAP_NET_ADMIN),       CAP(CAP_NET_RAW),          CAP(CAP_IPC_LOCK),        CAP(CAP_IPC_OWNER),
	CAP(CAP_SYS_MODULE),      CAP(CAP_SYS_RAWIO),        CAP(CAP_SYS_CHROOT),      CAP(CAP_SYS_PTRACE),
	CAP(CAP_SYS_PACCT),       CAP(CAP_SYS_ADMIN),        CAP(CAP_SYS_BOOT),        CAP(CAP_SYS_NICE),
	CAP(CAP_SYS_RESOURCE),    CAP(CAP_SYS_TIME),         CAP(CAP_SYS_TTY_CONFIG),  CAP(CAP_MKNOD),
	CAP(CAP_LEASE),           CAP(CAP_AUDIT_WRITE),      CAP(CAP_AUDIT_CONTROL),   CAP(CAP_SETFCAP),
	CAP(CAP_MAC_OVERRIDE),    CAP(CAP_MAC_ADMIN),        CAP(CAP_SYSLOG),          CAP(CAP_WAKE_ALARM),
	CAP(CAP_BLOCK_SUSPEND),   CAP(CAP_AUDIT_READ),       CAP(CAP_PERFMON),         CAP(CAP_BPF),
	CAP(CAP_CHECKPOINT_RESTORE),
#undef CAP
	{ NULL, 0 },
};

int capability_number(const char *name)
{
	for (const struct capability *c = capabilities; c->name; c++)
		if (!strcmp(c->name, name))
			return c->number;
	return -1;
}

/* The highest capability this kernel knows; it may know more (or fewer) than our table. Read once, early
 * (main), while the host's /proc is still ours: the plan may mask /proc/sys in the container. */
int caps_last(void)
{
	static int last = -1;
	if (last < 0) {
		char text[16] = "";
		int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read_retry(fd, text, sizeof text - 1) <= 0)
			bail("read /proc/sys/kernel/cap_last_cap");
		close(fd);
		last = atoi(text);
		if (last <= 0 || last > 63)
			bailx("unexpected /proc/sys/kernel/cap_last_cap \"%s\"", text);
	}
	return last;
}

static int kept(const struct security *s, int cap)
{
	return s->all_caps || (cap < 64 && (s->caps >> cap & 1));
}

void caps_drop_bounding(const struct security *s)
{
	for (int cap = 0; cap <= caps_last(); cap++)
		if (!kept(s, cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			bail("drop capability %d from the bounding set", cap);
}

/*
 * Root keeps the planned set as effective and permitted; at execve the kernel then gives a root process
 * exactly its bounding set, which is that same set. Any other user ends with nothing in effect, like
 * docker: setuid already cleared effective, and permitted goes too, unless the plan names ambient
 * capabilities (OCI process.capabilities.ambient): those are permitted, effective and raised in the ambient
 * set, which execve turns into a non-root process's permitted and effective sets (setuid kept them, see
 * security.c). Inheritable is empty unless the plan names some (OCI configs do, as runc applies them);
 * docker keeps it empty since CVE-2022-24769. The kernel takes an inheritable capability only if it is in
 * the bounding set, which was cut first: the plan keeps it within (plan.ts checks, capset enforces).
 */
void caps_set(const struct security *s)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &header, data) < 0)
		bail("capget");
	unsigned long long want = 0;
	if (s->uid == 0)
		for (int cap = 0; cap <= caps_last(); cap++)
			if (kept(s, cap))
				want |= 1ULL << cap;
	want |= s->ambient;
	/* Only what we hold can be kept (the helper may run with less than everything). */
	unsigned long long permitted = data[0].permitted | (unsigned long long)data[1].permitted << 32;
	want &= permitted;
	for (int i = 0; i < 2; i++) {
		data[i].effective = data[i].permitted = (unsigned)(want >> (32 * i));
		data[i].inheritable = (unsigned)(s->inheritable >> (32 * i));
	}
	if (syscall(SYS_capset, &header, data) < 0)
		bail("capset");
	/* Ambient capabilities (Linux 4.3+) survive execve for a non-root user: only the planned ones. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		bail("clear the ambient capabilities");
	for (int cap = 0; cap <= caps_last(); cap++)
		if (s->ambient >> cap & 1 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			bail("raise ambient capability %d", cap);
}
