/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WARDEN_METRICS_H
#define WARDEN_METRICS_H

/*
 * warden daemon --metrics ADDR:PORT: Prometheus text exposition at /metrics and a health check
 * at /healthz, served from the daemon's own event loop by a non-blocking socket (no thread):
 * each connection gets one response and is closed; a client that is slow or sends too much is
 * dropped, so that no client can hold up the daemon's other work.
 *
 * metrics_render.c: ADDR:PORT parsing and the text format (no syscalls, unit-tested);
 * metrics.c: the server and the reading of the maps and programs.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <linux/types.h>
#include "../bpf/abi.h"
#include "loader.h"

struct event_view;

/*
 * ADDR:PORT into a socket address: a numeric IPv4 address ("127.0.0.1:9464"), an IPv6 one in
 * brackets ("[::1]:9464"), or none (":9464", every IPv4 address); the port 1-65535. 0, or
 * -EINVAL with nothing written.
 */
int metrics_parse_addr(const char *s, struct sockaddr_storage *ret_addr, socklen_t *ret_len);

/* What /metrics shows, gathered at the time of a request. */
struct metrics_op {
	const char *op; /* as in the JSON events: "fs.read", "exec", ... */
	uint64_t denied, audited;
};

struct metrics_policy {
	char name[65];
	const char *mode; /* "enforce", "audit" or "candidate" */
	uint64_t generation;
	uint64_t allowed, cached, dropped;
	struct metrics_op ops[WARDEN_OP_SLOTS]; /* refusals by op, from the kernel's counters */
	size_t nops;
	uint64_t cgroups; /* explicit bindings */
};

struct metrics_program {
	char name[64]; /* the program's pin name without "prog_" */
	uint64_t run_cnt, run_time_ns;
};

/* Events the daemon read, by policy name, op and action (as in the JSON events). */
struct metrics_event_count {
	char policy[65];
	const char *op, *action; /* static strings (events_op_name, events_action_name) */
	uint64_t n;
};

struct metrics_sync {
	int done; /* a sync has run */
	int ok; /* the last sync installed and removed all it had to */
	unsigned int invalid_files; /* files the last sync skipped (their last good version stays) */
	double time; /* the last sync's end, seconds since the epoch */
	uint64_t total, failed; /* syncs since start, of which failed */
};

struct metrics_snapshot {
	const char *version;
	int attached; /* the programs are attached (pinned links) */
	int stats_enabled; /* kernel.bpf_stats_enabled */
	const struct metrics_policy *policies;
	size_t npolicies;
	const struct metrics_program *programs;
	size_t nprograms;
	const struct metrics_event_count *events;
	size_t nevents;
	struct metrics_sync sync;
};

/* The snapshot in Prometheus text format (version 0.0.4). */
void metrics_render(FILE *f, const struct metrics_snapshot *s);

/* /healthz: 1 when healthy, else 0 and the reason in buf. */
int metrics_health(const struct metrics_snapshot *s, char *buf, size_t size);

struct metrics;

/* Listen on addr (ADDR:PORT, already checked by metrics_parse_addr): 0 or a negative errno. */
int metrics_open(const char *addr, const struct warden_maps *maps, struct metrics **ret);
void metrics_free(struct metrics *mx);

/*
 * Wait up to timeout_ms for fd (the event ring buffer's) to be readable, serving clients
 * meanwhile; returns when fd is readable, the time is up or a signal came. With mx NULL, only
 * waits for fd.
 */
void metrics_wait(struct metrics *mx, int fd, int timeout_ms);

/* Count one event the daemon read. mx may be NULL. */
void metrics_count_event(struct metrics *mx, const struct event_view *ev);

/* Record a sync's result: ok when nothing failed, with the files it skipped. mx may be NULL. */
void metrics_synced(struct metrics *mx, int ok, unsigned int invalid_files);

#endif
