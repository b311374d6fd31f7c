// SPDX-License-Identifier: GPL-2.0
/* Text and JSON renderings. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/types.h>
#include "../bpf/abi.h"
#include "output.h"

void output_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void output_rfc3339(FILE *f, const struct timespec *ts)
{
	struct tm tm;
	char buf[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%09ldZ", buf, ts->tv_nsec);
}

/* comm is not NUL-terminated when it fills its 16 bytes. */
static void comm_of(const struct warden_event *raw, char *buf)
{
	memcpy(buf, raw->comm, WARDEN_COMM_LEN);
	buf[WARDEN_COMM_LEN] = 0;
}

static const char *proto_name(unsigned int proto)
{
	return proto == 6 ? "tcp" : proto == 17 ? "udp" : "other";
}

static void addr_of(const struct warden_event *raw, char *buf, size_t size)
{
	inet_ntop(raw->family == 4 ? AF_INET : AF_INET6, raw->addr, buf, size);
}

const char *output_tamper_name(unsigned int what)
{
	static const char *const names[] = {
		[WARDEN_TAMPER_CGROUP] = "cgroup",
		[WARDEN_TAMPER_BPF] = "bpf",
		[WARDEN_TAMPER_BPFFS] = "bpffs",
		[WARDEN_TAMPER_MODULE] = "module",
		[WARDEN_TAMPER_MOUNT] = "mount",
		[WARDEN_TAMPER_CHROOT] = "chroot",
		[WARDEN_TAMPER_NAMESPACE] = "namespace",
		[WARDEN_TAMPER_DAEMON] = "daemon",
		[WARDEN_TAMPER_PROCESS] = "process",
		[WARDEN_TAMPER_KERNEL] = "kernel",
		[WARDEN_TAMPER_HANDLE] = "handle",
		[WARDEN_TAMPER_DEVICE] = "device",
		[WARDEN_TAMPER_STATE] = "state",
		[WARDEN_TAMPER_XATTR] = "xattr",
		[WARDEN_TAMPER_TTY] = "tty",
	};

	if (what < sizeof(names) / sizeof(names[0]) && names[what])
		return names[what];
	return "unknown";
}

void output_event_text(FILE *f, const struct event_view *ev)
{
	char comm[WARDEN_COMM_LEN + 1];

	comm_of(ev->raw, comm);
	output_rfc3339(f, &ev->ts);
	fprintf(f, " %s %s policy=%s cgroup=%s pid=%u comm=%s", ev->action, ev->op, ev->policy,
		ev->cgroup, ev->raw->pid, comm);
	if (ev->path)
		fprintf(f, " path=%s", ev->path);
	if (ev->program)
		fprintf(f, " program=%s", ev->program);
	if (ev->raw->family) {
		char addr[64];

		addr_of(ev->raw, addr, sizeof(addr));
		fprintf(f, " addr=%s port=%u proto=%s", addr, ev->raw->port,
			proto_name(ev->raw->proto));
	}
	if (ev->raw->what)
		fprintf(f, " what=%s", output_tamper_name(ev->raw->what));
	if (ev->raw->target_pid)
		fprintf(f, " target=%u", ev->raw->target_pid);
	if (ev->raw->reason != WARDEN_REASON_RULE)
		fprintf(f, " reason=%s", ev->reason);
	if (ev->raw->error)
		fprintf(f, " error=%s", strerror(-ev->raw->error));
	fputc('\n', f);
}

void output_event_json(FILE *f, const struct event_view *ev)
{
	const struct warden_event *raw = ev->raw;
	char comm[WARDEN_COMM_LEN + 1];

	comm_of(raw, comm);
	fputs("{\"ts\":\"", f);
	output_rfc3339(f, &ev->ts);
	fprintf(f, "\",\"action\":\"%s\",\"op\":\"%s\",\"policy\":", ev->action, ev->op);
	output_json_string(f, ev->policy);
	fputs(",\"cgroup\":", f);
	output_json_string(f, ev->cgroup);
	fprintf(f, ",\"pid\":%u,\"tid\":%u,\"ppid\":%u,\"uid\":%u,\"comm\":", raw->pid, raw->tid,
		raw->ppid, raw->uid);
	output_json_string(f, comm);
	fputs(",\"exe\":", f);
	output_json_string(f, ev->exe);
	if (ev->path) {
		fputs(",\"path\":", f);
		output_json_string(f, ev->path);
	}
	if (ev->program) {
		fputs(",\"program\":", f);
		output_json_string(f, ev->program);
	}
	if (raw->family) {
		char addr[64];

		addr_of(raw, addr, sizeof(addr));
		fprintf(f, ",\"addr\":\"%s\",\"port\":%u,\"proto\":\"%s\"", addr, raw->port,
			proto_name(raw->proto));
	}
	if (raw->what)
		fprintf(f, ",\"what\":\"%s\"", output_tamper_name(raw->what));
	if (raw->target_pid)
		fprintf(f, ",\"target\":%u", raw->target_pid);
	fprintf(f, ",\"reason\":\"%s\"", ev->reason);
	if (raw->error)
		fprintf(f, ",\"error\":%d", -raw->error);
	fputs("}\n", f);
	fflush(f);
}
