// SPDX-License-Identifier: GPL-2.0
/* warden events: denial and audit events, one per line. */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "cgroup.h"
#include "commands.h"
#include "events.h"
#include "loader.h"
#include "log.h"
#include "output.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int print_event(const struct event_view *ev, void *ctx)
{
	int json = *(int *)ctx;

	if (json)
		output_event_json(stdout, ev);
	else
		output_event_text(stdout, ev);
	return 0;
}

int cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	char mount[PATH_MAX] = "/sys/fs/cgroup";
	struct warden_maps m;
	struct events *e;
	int c, err, json = 0, follow = 0;

	while ((c = getopt_long(argc, argv, "fjvh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			follow = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'v':
			log_verbose++;
			break;
		case 'h':
			printf("usage: warden events [--follow] [--json]\n\n"
			       "Print the denial and audit events the kernel has buffered, then exit;\n"
			       "with --follow, keep printing new ones until interrupted. --json prints one\n"
			       "object per line (fields: ts, action, op, policy, cgroup, pid, tid, ppid,\n"
			       "uid, comm, exe, path, addr, port, proto, target, what, reason, error).\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc)
		return cmd_usage_error("events", "unexpected argument '%s'", argv[optind]);
	if (loader_open(&m))
		return 1;
	cgroup_mount_point(mount, sizeof(mount));
	err = events_open(&m, mount, print_event, &json, &e);
	if (err) {
		log_error("cannot read the event ring buffer: %s", strerror(-err));
		loader_close(&m);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!follow) {
		err = events_drain(e);
	} else {
		while (!stop) {
			err = events_poll(e, 500);
			if (err < 0)
				break;
		}
	}
	events_free(e);
	loader_close(&m);
	if (err < 0) {
		log_error("reading events failed: %s", strerror(-err));
		return 1;
	}
	return 0;
}
