// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's metrics in Prometheus text exposition format (version 0.0.4), and the parsing
 * of --metrics ADDR:PORT. No syscalls: the unit tests run it (tests/unit/test_metrics.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"

static int parse_port(const char *s, uint16_t *ret_port)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*ret_port = (uint16_t)v;
	return 0;
}

int metrics_parse_addr(const char *s, struct sockaddr_storage *ret_addr, socklen_t *ret_len)
{
	struct sockaddr_storage ss = { 0 };
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *end;
	uint16_t port;
	size_t n;

	if (s[0] == '[') {
		/* [IPv6]:PORT */
		end = strchr(s, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		colon = end + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return -EINVAL; /* no port, or an IPv6 address without brackets */
		end = colon;
	}
	n = (size_t)(end - s);
	if (n >= sizeof(host) || parse_port(colon + 1, &port))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = 0;
	if (end != colon) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -EINVAL;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		*ret_len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		/* ":PORT": every IPv4 address, as Prometheus exporters take it */
		if (n && inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -EINVAL;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		*ret_len = sizeof(*a);
	}
	*ret_addr = ss;
	return 0;
}

/* A label value: backslash, double quote and line feed escaped, as the format requires. */
static void label_value(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static const char *candidate_label(const struct metrics_policy *p)
{
	return strcmp(p->mode, "candidate") ? "false" : "true";
}

/* name{policy="...",candidate="...",action="..."} value */
static void policy_sample(FILE *f, const char *name, const struct metrics_policy *p,
			  const char *action, uint64_t v)
{
	fprintf(f, "%s{policy=", name);
	label_value(f, p->name);
	fprintf(f, ",candidate=\"%s\"", candidate_label(p));
	if (action)
		fprintf(f, ",action=\"%s\"", action);
	fprintf(f, "} %llu\n", (unsigned long long)v);
}

static void decision_sample(FILE *f, const struct metrics_policy *p, const char *op,
			    const char *action, uint64_t v)
{
	fputs("warden_decisions_total{policy=", f);
	label_value(f, p->name);
	fprintf(f, ",candidate=\"%s\",op=\"%s\",action=\"%s\"} %llu\n", candidate_label(p), op,
		action, (unsigned long long)v);
}

/* A candidate's refusals are would-deny; another policy's deny and audit, by op. */
static void decision_samples(FILE *f, const struct metrics_policy *p)
{
	for (size_t o = 0; o < p->nops; o++) {
		const struct metrics_op *op = &p->ops[o];

		if (!strcmp(p->mode, "candidate")) {
			decision_sample(f, p, op->op, "would-deny", op->audited);
			continue;
		}
		decision_sample(f, p, op->op, "deny", op->denied);
		decision_sample(f, p, op->op, "audit", op->audited);
	}
}

static void render_policies(FILE *f, const struct metrics_snapshot *s)
{
	static const char *const modes[] = { "enforce", "audit", "candidate" };
	size_t i, m, n;

	family(f, "warden_policies", "gauge", "Installed policies by mode.");
	for (m = 0; m < 3; m++) {
		for (i = n = 0; i < s->npolicies; i++)
			n += !strcmp(s->policies[i].mode, modes[m]);
		fprintf(f, "warden_policies{mode=\"%s\"} %zu\n", modes[m], n);
	}
	family(f, "warden_policy_generation", "gauge",
	       "The generation of the rule set in force of each installed policy, with its mode.");
	for (i = 0; i < s->npolicies; i++) {
		fputs("warden_policy_generation{policy=", f);
		label_value(f, s->policies[i].name);
		fprintf(f, ",mode=\"%s\"} %llu\n", s->policies[i].mode,
			(unsigned long long)s->policies[i].generation);
	}
	family(f, "warden_cgroups_bound", "gauge",
	       "cgroups each policy is bound to by name (their descendants are not counted).");
	for (i = 0; i < s->npolicies; i++) {
		if (strcmp(s->policies[i].mode, "candidate"))
			policy_sample(f, "warden_cgroups_bound", &s->policies[i], NULL,
				      s->policies[i].cgroups);
	}
	family(f, "warden_decisions_total", "counter",
	       "Refusals by policy, op and action: deny (enforced), audit (an audit-mode policy let it through), would-deny (a candidate policy would have denied).");
	for (i = 0; i < s->npolicies; i++)
		decision_samples(f, &s->policies[i]);
	family(f, "warden_cached_allows_total", "counter",
	       "File accesses allowed from the verdict cache or a directory's kept state; other allowed operations are not counted.");
	for (i = 0; i < s->npolicies; i++)
		policy_sample(f, "warden_cached_allows_total", &s->policies[i], NULL,
			      s->policies[i].cached);
	family(f, "warden_events_dropped_total", "counter",
	       "Events not sent (the ring buffer was full or the policy's rate limit was hit); the decisions stood.");
	for (i = 0; i < s->npolicies; i++)
		policy_sample(f, "warden_events_dropped_total", &s->policies[i], NULL,
			      s->policies[i].dropped);
}

static void render_events(FILE *f, const struct metrics_snapshot *s)
{
	family(f, "warden_events_total", "counter",
	       "Events this daemon read from the ring buffer since it started, by policy, op and action.");
	for (size_t i = 0; i < s->nevents; i++) {
		fputs("warden_events_total{policy=", f);
		label_value(f, s->events[i].policy);
		fprintf(f, ",op=\"%s\",action=\"%s\"} %llu\n", s->events[i].op, s->events[i].action,
			(unsigned long long)s->events[i].n);
	}
}

static void render_programs(FILE *f, const struct metrics_snapshot *s)
{
	size_t i;

	family(f, "warden_bpf_stats_enabled", "gauge",
	       "Whether the kernel counts BPF program runs (sysctl kernel.bpf_stats_enabled).");
	fprintf(f, "warden_bpf_stats_enabled %d\n", s->stats_enabled);
	family(f, "warden_program_runs_total", "counter",
	       "Runs of each of warden's BPF programs, counted while kernel.bpf_stats_enabled is 1.");
	for (i = 0; i < s->nprograms; i++) {
		if (!s->stats_enabled && !s->programs[i].run_cnt)
			continue;
		fputs("warden_program_runs_total{program=", f);
		label_value(f, s->programs[i].name);
		fprintf(f, "} %llu\n", (unsigned long long)s->programs[i].run_cnt);
	}
	family(f, "warden_program_run_seconds_total", "counter",
	       "Time spent in each of warden's BPF programs, counted while kernel.bpf_stats_enabled is 1.");
	for (i = 0; i < s->nprograms; i++) {
		if (!s->stats_enabled && !s->programs[i].run_cnt)
			continue;
		fputs("warden_program_run_seconds_total{program=", f);
		label_value(f, s->programs[i].name);
		fprintf(f, "} %.9f\n", (double)s->programs[i].run_time_ns / 1e9);
	}
}

static void render_sync(FILE *f, const struct metrics_snapshot *s)
{
	const struct metrics_sync *y = &s->sync;

	family(f, "warden_last_sync_success", "gauge",
	       "Whether the daemon's last sync of the policy directory installed and removed all it had to (1) or not (0).");
	fprintf(f, "warden_last_sync_success %d\n", y->done && y->ok);
	family(f, "warden_last_sync_timestamp_seconds", "gauge",
	       "When the daemon's last sync of the policy directory ended, in seconds since the epoch.");
	fprintf(f, "warden_last_sync_timestamp_seconds %.3f\n", y->time);
	family(f, "warden_last_sync_invalid_files", "gauge",
	       "Policy files the last sync skipped as invalid; the last good version of each stays in force.");
	fprintf(f, "warden_last_sync_invalid_files %u\n", y->invalid_files);
	family(f, "warden_syncs_total", "counter", "Syncs of the policy directory since start.");
	fprintf(f, "warden_syncs_total %llu\n", (unsigned long long)y->total);
	family(f, "warden_sync_failures_total", "counter",
	       "Syncs of the policy directory since start that failed to install or remove a policy.");
	fprintf(f, "warden_sync_failures_total %llu\n", (unsigned long long)y->failed);
}

void metrics_render(FILE *f, const struct metrics_snapshot *s)
{
	family(f, "warden_build_info", "gauge", "The warden build serving these metrics.");
	fputs("warden_build_info{version=", f);
	label_value(f, s->version);
	fputs("} 1\n", f);
	family(f, "warden_programs_attached", "gauge",
	       "Whether warden's BPF programs are attached (1) or not (0).");
	fprintf(f, "warden_programs_attached %d\n", s->attached);
	render_policies(f, s);
	render_events(f, s);
	render_programs(f, s);
	render_sync(f, s);
}

int metrics_health(const struct metrics_snapshot *s, char *buf, size_t size)
{
	if (!s->attached)
		snprintf(buf, size, "the BPF programs are not attached");
	else if (!s->sync.done)
		snprintf(buf, size, "the policy directory has not been synced yet");
	else if (!s->sync.ok)
		snprintf(buf, size, "the last sync of the policy directory failed");
	else
		return 1;
	return 0;
}
