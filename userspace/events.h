/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WARDEN_EVENTS_H
#define WARDEN_EVENTS_H

#include <limits.h>
#include <time.h>
#include "loader.h"

struct warden_event;

/* A ring buffer record with its ids resolved to names. */
struct event_view {
	const struct warden_event *raw;
	struct timespec ts; /* CLOCK_REALTIME */
	const char *op;
	const char *action;
	const char *reason;
	char policy[64];
	char cgroup[PATH_MAX];
	char exe[PATH_MAX];
	const char *path; /* NULL for operations without a path */
	const char *program; /* exec of an interpreter: the program it was opened for; or NULL */
};

typedef int (*events_fn)(const struct event_view *ev, void *ctx);

struct events;

/* Read records from the pinned ring buffer, calling fn for each. */
int events_open(const struct warden_maps *m, const char *cgroup_mount, events_fn fn, void *ctx,
		struct events **ret_events);
/* Wait up to timeout_ms for records; returns how many were handled, or a negative errno. */
int events_poll(struct events *e, int timeout_ms);
/* A descriptor that polls readable when records wait (for a caller's own poll). */
int events_fd(const struct events *e);
/* Handle whatever is buffered now without waiting. */
int events_drain(struct events *e);
void events_free(struct events *e);

/* Names for the ABI's numbers, as in JSON output. */
const char *events_op_name(unsigned int op);
const char *events_action_name(unsigned int action);
const char *events_reason_name(unsigned int reason);

#endif
