// SPDX-License-Identifier: GPL-2.0
/* warden status: installed policies, their cgroups and counters. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>
#include "../bpf/abi.h"
#include "bindings.h"
#include "cgroup.h"
#include "commands.h"
#include "loader.h"
#include "log.h"
#include "maps.h"
#include "output.h"

struct status_ctx {
	const struct warden_maps *m;
	const char *mount;
	int json;
	int count;
};

struct cgroup_print {
	const char *mount;
	int json;
	int count;
};

static int print_cgroup(uint64_t id, void *arg)
{
	struct cgroup_print *c = arg;
	char path[PATH_MAX];

	if (cgroup_path(c->mount, id, path, sizeof(path)))
		snprintf(path, sizeof(path), "#%llu (removed)", (unsigned long long)id);
	if (c->json) {
		fputs(c->count ? "," : "", stdout);
		output_json_string(stdout, path);
	} else {
		printf("%s%s", c->count ? ", " : "", path);
	}
	c->count++;
	return 0;
}

/* A policy's cgroup paths and patterns that no cgroup answers yet (bindings.h). */
struct waiting {
	const char *mount;
	const struct warden_maps *m;
	uint32_t id;
	char **v;
	size_t n;
	int pattern_pass; /* exact paths first, then patterns */
};

struct pattern_of {
	const char *mount;
	struct policy_cgroup_automaton r; /* of the one pattern */
};

/* 1 (stops the walk) when the bound cgroup cgid matches the pattern. */
static int bound_matches(uint64_t cgid, void *arg)
{
	const struct pattern_of *p = arg;
	char path[PATH_MAX];

	if (cgroup_path(p->mount, cgid, path, sizeof(path)))
		return 0;
	return policy_cgroup_match(&p->r, path) == 0;
}

/* Whether no cgroup bound to policy id matches pattern. */
static int pattern_waits(const struct waiting *w, const char *pattern)
{
	struct pattern_of p = { .mount = w->mount };
	int waits;

	if (policy_cgroup_resolve(&(struct policy_cgroup_pattern){ pattern, 1 }, 1,
				  WARDEN_CGDFA_HALF, &p.r))
		return 1;
	waits = maps_for_each_binding(w->m, w->id, bound_matches, &p) != 1;
	policy_cgroup_automaton_free(&p.r);
	return waits;
}

static int add_waiting(const char *path, uint32_t kind, void *arg)
{
	struct waiting *w = arg;
	uint64_t cgid;
	char **v;
	int waits;

	if ((kind == WARDEN_BIND_PATTERN) != w->pattern_pass)
		return 0;
	if (kind == WARDEN_BIND_PATTERN)
		waits = pattern_waits(w, path);
	else
		waits = cgroup_id(w->mount, path, &cgid) != 0;
	if (!waits)
		return 0;
	v = realloc(w->v, (w->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	w->v = v;
	w->v[w->n] = strdup(path);
	if (!w->v[w->n])
		return -ENOMEM;
	w->n++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_waiting(const struct status_ctx *s, uint32_t id)
{
	struct waiting w = { .mount = s->mount, .m = s->m, .id = id };
	size_t exact;

	bindings_for_each_path(s->m, id, add_waiting, &w);
	exact = w.n;
	w.pattern_pass = 1;
	bindings_for_each_path(s->m, id, add_waiting, &w);
	qsort(w.v, exact, sizeof(*w.v), by_name);
	qsort(w.v + exact, w.n - exact, sizeof(*w.v), by_name);
	if (s->json)
		fputs(",\"waiting\":[", stdout);
	else if (w.n)
		fputs("  waiting: ", stdout);
	for (size_t i = 0; i < w.n; i++) {
		if (s->json) {
			fputs(i ? "," : "", stdout);
			output_json_string(stdout, w.v[i]);
		} else {
			printf("%s%s", i ? ", " : "", w.v[i]);
		}
		free(w.v[i]);
	}
	if (s->json)
		fputs("]", stdout);
	else if (w.n)
		fputs("\n", stdout);
	free(w.v);
}

static int print_policy(uint32_t id, const struct warden_policy *p, void *arg)
{
	struct status_ctx *s = arg;
	struct cgroup_print cp = { .mount = s->mount, .json = s->json };
	struct maps_counters cnt = { 0 };
	const char *mode = (p->flags & WARDEN_POLICY_CANDIDATE) ? "candidate" :
			   (p->flags & WARDEN_POLICY_AUDIT)	? "audit" :
								  "enforce";
	char name[WARDEN_NAME_MAX + 1];

	snprintf(name, sizeof(name), "%.*s", WARDEN_NAME_MAX, p->name);
	maps_counters(s->m, id, &cnt);
	if (s->json) {
		printf("%s{\"name\":", s->count ? "," : "");
		output_json_string(stdout, name);
		printf(",\"id\":%u,\"mode\":\"%s\",\"cgroups\":[", id, mode);
		maps_for_each_binding(s->m, id, print_cgroup, &cp);
		fputs("]", stdout);
		print_waiting(s, id);
		printf(",\"allowed\":%llu,\"cached\":%llu,\"denied\":%llu,\"audited\":%llu,"
		       "\"dropped\":%llu}",
		       (unsigned long long)cnt.allowed, (unsigned long long)cnt.cached,
		       (unsigned long long)cnt.denied, (unsigned long long)cnt.audited,
		       (unsigned long long)cnt.dropped);
	} else {
		printf("policy %s (%s)\n  cgroups: ", name, mode);
		maps_for_each_binding(s->m, id, print_cgroup, &cp);
		printf("%s\n", cp.count ? "" : "(none)");
		print_waiting(s, id);
		printf("  allowed %llu (%llu by a cache), denied %llu, audited %llu, events dropped %llu\n",
		       (unsigned long long)cnt.allowed, (unsigned long long)cnt.cached,
		       (unsigned long long)cnt.denied, (unsigned long long)cnt.audited,
		       (unsigned long long)cnt.dropped);
	}
	s->count++;
	return 0;
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct status_ctx s = { 0 };
	struct warden_maps m;
	char mount[PATH_MAX] = "/sys/fs/cgroup";
	int c, err;

	while ((c = getopt_long(argc, argv, "jvh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			s.json = 1;
			break;
		case 'v':
			log_verbose++;
			break;
		case 'h':
			printf("usage: warden status [--json]\n\n"
			       "Installed policies with their mode, bound cgroups and counters of allowed\n"
			       "(cached: the file accesses a kept verdict or directory state decided),\n"
			       "denied and audited decisions and of events the ring buffer dropped.\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc)
		return cmd_usage_error("status", "unexpected argument '%s'", argv[optind]);
	if (!loader_is_loaded()) {
		if (s.json)
			printf("{\"loaded\":false,\"policies\":[]}\n");
		else
			printf("warden is not loaded: nothing is enforced\n");
		return 0;
	}
	if (loader_open(&m))
		return 1;
	cgroup_mount_point(mount, sizeof(mount));
	s.m = &m;
	s.mount = mount;
	if (s.json)
		printf("{\"loaded\":true,\"policies\":[");
	err = maps_for_each_policy(&m, print_policy, &s);
	if (s.json)
		printf("]}\n");
	else if (!s.count)
		printf("warden is loaded; no policy is installed\n");
	loader_close(&m);
	if (err < 0) {
		log_error("cannot read the policies: %s", strerror(-err));
		return 1;
	}
	return 0;
}
