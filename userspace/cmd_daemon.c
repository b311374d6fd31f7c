// SPDX-License-Identifier: GPL-2.0
/*
 * warden daemon --policy-dir DIR: keep the kernel's policy set equal to DIR's policy files,
 * live, and stream events as JSON lines. The kernel enforces without it: killing the daemon
 * changes nothing, and a new one adopts the pinned programs and rules as they are.
 */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <linux/types.h>
#include "../bpf/abi.h"
#include "bindings.h"
#include "candidate.h"
#include "cgroup.h"
#include "commands.h"
#include "events.h"
#include "loader.h"
#include "log.h"
#include "maps.h"
#include "metrics.h"
#include "run.h"
#include "output.h"

static volatile sig_atomic_t got_term, got_hup;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

/* What the daemon remembers of each file: the policy name its last good version installed. */
struct known {
	char file[PATH_MAX];
	char name[WARDEN_NAME_MAX];
};

struct daemon {
	const char *dir;
	char mount[PATH_MAX];
	struct warden_maps maps;
	struct known *known;
	size_t nknown;
	struct metrics *metrics; /* --metrics; NULL without */
	int sync_failed; /* the sync under way could not install or remove a policy */
	unsigned int sync_invalid; /* files it skipped */
};

static const char *known_name(const struct daemon *d, const char *file)
{
	for (size_t i = 0; i < d->nknown; i++)
		if (!strcmp(d->known[i].file, file))
			return d->known[i].name;
	return NULL;
}

static void remember(struct daemon *d, const char *file, const char *name)
{
	struct known *k;

	for (size_t i = 0; i < d->nknown; i++) {
		if (!strcmp(d->known[i].file, file)) {
			snprintf(d->known[i].name, sizeof(d->known[i].name), "%s", name);
			return;
		}
	}
	k = realloc(d->known, (d->nknown + 1) * sizeof(*k));
	if (!k)
		return;
	d->known = k;
	snprintf(k[d->nknown].file, sizeof(k->file), "%s", file);
	snprintf(k[d->nknown].name, sizeof(k->name), "%s", name);
	d->nknown++;
}

static int has_suffix(const char *name, const char *suffix)
{
	size_t len = strlen(name), n = strlen(suffix);

	return len > n && !strcmp(name + len - n, suffix);
}

/* NAME.candidate.yaml: the report-only candidate of the policy NAME.yaml installs */
static int is_candidate_file(const char *name)
{
	return name[0] != '.' &&
	       (has_suffix(name, ".candidate.yaml") || has_suffix(name, ".candidate.yml"));
}

static int is_policy_file(const char *name)
{
	if (name[0] == '.')
		return 0; /* hidden, and editors' temporary files */
	return (has_suffix(name, ".yaml") || has_suffix(name, ".yml")) && !is_candidate_file(name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The policy files of DIR, sorted (so conflicts resolve the same way every time). */
static int list_files(const char *dir, int (*want)(const char *), char ***ret, size_t *ret_n)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	if (!dp)
		return -errno;
	while ((de = readdir(dp))) {
		char **nv;

		if (!want(de->d_name))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		if (asprintf(&v[n], "%s/%s", dir, de->d_name) < 0)
			break;
		n++;
	}
	closedir(dp);
	qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	*ret_n = n;
	return 0;
}

struct keep_ctx {
	const char *const *names;
	size_t n;
	uint32_t doomed[WARDEN_MAX_POLICIES];
	size_t ndoomed;
};

static int find_doomed(uint32_t id, const struct warden_policy *p, void *arg)
{
	struct keep_ctx *k = arg;

	if (p->flags & WARDEN_POLICY_CANDIDATE)
		return 0; /* removed with the policy it is a candidate of */
	/* a warden run's or learn's: it removes its own */
	if (!strncmp(p->name, RUN_NAME_PREFIX, strlen(RUN_NAME_PREFIX)) ||
	    !strncmp(p->name, "learn.", 6))
		return 0;
	for (size_t i = 0; i < k->n; i++)
		if (!strncmp(p->name, k->names[i], sizeof(p->name)))
			return 0;
	k->doomed[k->ndoomed++] = id;
	return 0;
}

struct candidate_names {
	char (*v)[WARDEN_NAME_MAX];
	size_t n;
	char doomed[WARDEN_MAX_POLICIES][WARDEN_NAME_MAX];
	size_t ndoomed;
};

static int find_doomed_candidate(uint32_t id, const struct warden_policy *p, void *arg)
{
	struct candidate_names *c = arg;

	(void)id;
	if (!(p->flags & WARDEN_POLICY_CANDIDATE))
		return 0;
	for (size_t i = 0; i < c->n; i++)
		if (!strncmp(p->name, c->v[i], sizeof(p->name)))
			return 0;
	snprintf(c->doomed[c->ndoomed++], WARDEN_NAME_MAX, "%.*s", WARDEN_NAME_MAX - 1, p->name);
	return 0;
}

/* Install one valid candidate file unless the installed candidate came from its bytes. */
static void sync_candidate(struct daemon *d, struct policy_set *one)
{
	const struct policy *p = one->v[0];
	struct warden_policy cur;
	uint32_t id;

	if (!maps_candidate_find(&d->maps, p->name.s, &id) &&
	    !maps_policy_header(&d->maps, id, &cur) && cur.source_hash == p->source_hash)
		return;
	if (!candidate_apply(&d->maps, d->mount, one))
		log_info("applied candidate '%s' from %s", p->name.s, p->file);
}

/*
 * The candidates of the directory (NAME.candidate.yaml): installed beside the policy of their
 * name, kept as they were while their file is invalid, removed when no file names them.
 */
static void sync_candidates(struct daemon *d)
{
	struct candidate_names c = { 0 };
	char **files = NULL;
	size_t n = 0, i;

	if (list_files(d->dir, is_candidate_file, &files, &n))
		return;
	c.v = calloc(n + 1, sizeof(*c.v));
	for (i = 0; c.v && i < n; i++) {
		struct policy_set one = { 0 };

		if (!policy_peek_name(files[i], c.v[c.n], sizeof(c.v[c.n])))
			c.n++;
		if (cmd_read_policies(&files[i], 1, &one)) {
			log_error("%s is invalid: its candidate stays as it was", files[i]);
			continue;
		}
		sync_candidate(d, &one);
		cmd_free_policies(&one);
	}
	if (c.v && !maps_for_each_policy(&d->maps, find_doomed_candidate, &c)) {
		for (i = 0; i < c.ndoomed; i++)
			if (!candidate_remove(&d->maps, d->mount, c.doomed[i]))
				log_info("removed candidate '%s' (no file in %s names it)",
					 c.doomed[i], d->dir);
	}
	for (i = 0; i < n; i++)
		free(files[i]);
	free(files);
	free(c.v);
}

/*
 * Guard the policy directory and the real directories of its files: a file may be a symlink
 * out of it (a ConfigMap volume's are, into ..data/), and what it points at may not be
 * changed by a confined process either. Said and counted as a failed sync when impossible.
 */
static void guard_files(struct daemon *d, char *const *files, size_t n)
{
	const char **dirs = calloc(n + 1, sizeof(*dirs));
	char **real = calloc(n + 1, sizeof(*real));
	size_t k = 0, i;
	int err = -ENOMEM;

	if (dirs && real) {
		dirs[k++] = d->dir;
		for (i = 0; i < n; i++) {
			real[i] = realpath(files[i], NULL);
			if (real[i] && strrchr(real[i], '/') != real[i]) {
				*strrchr(real[i], '/') = 0;
				dirs[k++] = real[i];
			}
		}
		err = maps_guard_dirs(&d->maps, dirs, k);
	}
	if (err) {
		log_error("cannot guard the policy files of '%s': %s", d->dir, strerror(-err));
		d->sync_failed = 1;
	}
	for (i = 0; real && i < n; i++)
		free(real[i]);
	free(real);
	free(dirs);
}

/*
 * The valid files' bindings against the installed policies they do not replace (the last good
 * versions of invalid files): a file that conflicts is said and skipped (skip[i] set), and its
 * policy stays as it was.
 */
static void skip_binding_conflicts(struct daemon *d, const struct policy_set *good, char *skip)
{
	struct policy_diags diags = { 0 };
	char buf[2048];
	size_t i, j;

	bindings_check(&d->maps, good->v, good->n, &diags);
	for (i = 0; i < diags.n; i++) {
		policy_diag_format(&diags.v[i], buf, sizeof(buf));
		log_error("%s", buf);
		for (j = 0; j < good->n; j++)
			if (!skip[j] && !strcmp(good->v[j]->file, diags.v[i].file)) {
				skip[j] = 1;
				d->sync_invalid++;
				log_error("%s: skipped", good->v[j]->file);
			}
	}
	policy_diags_free(&diags);
}

/*
 * Make the kernel's policies match the directory. Valid files are installed unless the
 * installed version came from the same bytes; an invalid file is reported and skipped, its
 * last good version staying in force; policies no file names any more are removed. A file
 * the daemon never saw valid keeps the policy its name: key names; while one has no readable
 * name at all, nothing is removed.
 */
static void sync_dir(struct daemon *d)
{
	struct policy_set good = { 0 };
	struct known *peeked = NULL;
	const char **names = NULL;
	size_t nfiles = 0, nnames = 0, i, j;
	char **files = NULL, *skip = NULL;
	int unknown_invalid = 0, lock, err;

	d->sync_failed = 1; /* until it gets through */
	d->sync_invalid = 0;
	err = list_files(d->dir, is_policy_file, &files, &nfiles);
	if (err) {
		log_error("cannot read policy directory '%s': %s", d->dir, strerror(-err));
		metrics_synced(d->metrics, 0, 0);
		return;
	}
	good.v = calloc(nfiles + 1, sizeof(*good.v));
	good.rulesets = calloc(nfiles + 1, sizeof(*good.rulesets));
	names = calloc(nfiles + 1, sizeof(*names));
	skip = calloc(nfiles + 1, 1);
	if (!good.v || !good.rulesets || !names || !skip)
		goto out;
	peeked = calloc(nfiles + 1, sizeof(*peeked));
	if (!peeked)
		goto out;
	for (i = 0; i < nfiles; i++) {
		struct policy_set one = { 0 };
		struct policy_diags diags = { 0 };
		const char *kept = known_name(d, files[i]);
		uint32_t id;

		/* a file the daemon has not seen valid yet: the name it gives itself, if any */
		if (!kept && !policy_peek_name(files[i], peeked[i].name, sizeof(peeked[i].name)))
			kept = peeked[i].name;
		if (cmd_read_policies(&files[i], 1, &one)) {
			d->sync_invalid++;
			if (kept && !maps_policy_find(&d->maps, kept, &id)) {
				log_error("%s is invalid: policy '%s' stays as it was", files[i],
					  kept);
				names[nnames++] = kept;
			} else if (kept) {
				log_error("%s is invalid: skipped", files[i]);
				names[nnames++] = kept;
			} else {
				log_error("%s is invalid: skipped", files[i]);
				unknown_invalid = 1;
			}
			continue;
		}
		/* names and cgroups must not clash with the files accepted before this one */
		good.v[good.n] = one.v[0];
		policy_check_set(good.v, good.n + 1, &diags);
		if (diags.n) {
			char buf[2048];

			for (j = 0; j < diags.n; j++) {
				policy_diag_format(&diags.v[j], buf, sizeof(buf));
				log_error("%s", buf);
			}
			log_error("%s: skipped", files[i]);
			d->sync_invalid++;
			policy_diags_free(&diags);
			cmd_free_policies(&one);
			if (kept)
				names[nnames++] = kept;
			continue;
		}
		good.rulesets[good.n] = one.rulesets[0];
		free(one.v);
		free(one.rulesets);
		names[nnames++] = good.v[good.n]->name.s;
		good.n++;
	}

	lock = loader_lock();
	if (lock < 0)
		goto out;
	d->sync_failed = 0;
	if (!unknown_invalid) {
		struct keep_ctx *k = calloc(1, sizeof(*k));

		if (k) {
			k->names = names;
			k->n = nnames;
			maps_for_each_policy(&d->maps, find_doomed, k);
			for (i = 0; i < k->ndoomed; i++) {
				char name[64] = "";

				maps_policy_name(&d->maps, k->doomed[i], name, sizeof(name));
				err = maps_policy_remove(&d->maps, d->mount, k->doomed[i]);
				d->sync_failed |= !!err;
				if (err)
					log_error("cannot remove policy '%s': %s", name,
						  strerror(-err));
				else
					log_info("removed policy '%s' (no file in %s names it)",
						 name, d->dir);
			}
			free(k);
		}
	}
	guard_files(d, files, nfiles);
	skip_binding_conflicts(d, &good, skip);
	for (i = 0; i < good.n; i++) {
		const struct policy *p = good.v[i];
		struct warden_policy cur;
		uint32_t id;

		if (!maps_policy_find(&d->maps, p->name.s, &id) &&
		    !maps_policy_header(&d->maps, id, &cur) && cur.source_hash == p->source_hash) {
			remember(d, p->file, p->name.s);
			continue; /* in force already, from these very bytes */
		}
		if (skip[i])
			continue;
		err = maps_policy_install(&d->maps, d->mount, good.rulesets[i]);
		if (err) {
			log_error("%s: cannot install policy '%s': %s", p->file, p->name.s,
				  strerror(-err));
			d->sync_failed = 1;
			continue;
		}
		remember(d, p->file, p->name.s);
		log_info("applied policy '%s' from %s", p->name.s, p->file);
	}
	sync_candidates(d);
	loader_unlock(lock);
out:
	metrics_synced(d->metrics, !d->sync_failed, d->sync_invalid);
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	free(names);
	free(skip);
	free(peeked);
	cmd_free_policies(&good);
}

static int print_event(const struct event_view *ev, void *ctx)
{
	struct daemon *d = ctx;

	metrics_count_event(d->metrics, ev);
	output_event_json(stdout, ev);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read what inotify has; 1 when DIR changed. */
static int dir_changed(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int changed = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		changed = 1;
	return changed;
}

int cmd_daemon(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy-dir", required_argument, NULL, 'd' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sigaction term = { .sa_handler = on_term }, hup = { .sa_handler = on_hup };
	struct daemon d = { 0 };
	struct events *e = NULL;
	const char *metrics_addr = NULL;
	long dirty = -1;
	int c, fd = -1, lock, err, ret = 1;

	while ((c = getopt_long(argc, argv, "d:m:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			d.dir = optarg;
			break;
		case 'm':
			metrics_addr = optarg;
			break;
		case 'v':
			log_verbose++;
			break;
		case 'h':
			printf("usage: warden daemon --policy-dir DIR [--metrics ADDR:PORT]\n\n"
			       "Load (or adopt) the BPF programs, make the installed policies match the\n"
			       "*.yaml files of DIR and keep them matching: changes to DIR are applied live,\n"
			       "and SIGHUP re-reads it. An invalid file is reported and skipped; the last\n"
			       "good version of its policy stays in force. NAME.candidate.yaml is the\n"
			       "report-only candidate of policy NAME (see 'warden apply --candidate').\n"
			       "Events go to stdout as JSON\n"
			       "lines, messages to stderr. SIGTERM stops the daemon and leaves every policy\n"
			       "enforced; only 'warden unload' stops enforcement.\n\n"
			       "--metrics ADDR:PORT  serve Prometheus metrics at /metrics and a health\n"
			       "                     check at /healthz (200 when the programs are attached\n"
			       "                     and the last sync succeeded): 127.0.0.1:9464,\n"
			       "                     [::1]:9464, or :9464 for every IPv4 address\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc)
		return cmd_usage_error("daemon", "unexpected argument '%s'", argv[optind]);
	if (!d.dir)
		return cmd_usage_error("daemon", "--policy-dir DIR is required");
	if (metrics_addr) {
		struct sockaddr_storage ss;
		socklen_t len;

		if (metrics_parse_addr(metrics_addr, &ss, &len))
			return cmd_usage_error("daemon", "--metrics '%s': expected ADDR:PORT",
					       metrics_addr);
	}
	if (cmd_cgroup_mount(d.mount, sizeof(d.mount)))
		return 1;
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0 || inotify_add_watch(fd, d.dir,
					IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
						IN_CREATE | IN_ATTRIB) < 0) {
		log_error("cannot watch policy directory '%s': %s", d.dir, strerror(errno));
		goto out;
	}
	lock = loader_lock();
	if (lock < 0)
		goto out;
	err = loader_load();
	loader_unlock(lock);
	if (err || loader_open(&d.maps))
		goto out;
	maps_set_daemon(&d.maps, (uint32_t)getpid());
	err = maps_guard_dir(&d.maps, d.dir);
	if (err) {
		log_error("cannot guard policy directory '%s': %s", d.dir, strerror(-err));
		goto out;
	}
	if (metrics_addr) {
		err = metrics_open(metrics_addr, &d.maps, &d.metrics);
		if (err) {
			log_error("cannot listen on %s for --metrics: %s", metrics_addr,
				  strerror(-err));
			goto out;
		}
		log_info("serving metrics on %s", metrics_addr);
	}
	sigaction(SIGTERM, &term, NULL);
	sigaction(SIGINT, &term, NULL);
	sigaction(SIGHUP, &hup, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	err = events_open(&d.maps, d.mount, print_event, &d, &e);
	if (err) {
		log_error("cannot read the event ring buffer: %s", strerror(-err));
		goto out;
	}
	log_info("watching %s", d.dir);
	sync_dir(&d);
	while (!got_term) {
		metrics_wait(d.metrics, events_fd(e), 100);
		err = events_poll(e, 0);
		if (err < 0) {
			log_error("reading events failed: %s", strerror(-err));
			goto out;
		}
		if (dir_changed(fd))
			dirty = now_ms();
		/* let a burst of writes settle before reading the files */
		if (got_hup || (dirty >= 0 && now_ms() - dirty >= 150)) {
			if (got_hup)
				log_info("SIGHUP: re-reading %s", d.dir);
			got_hup = 0;
			dirty = -1;
			sync_dir(&d);
		}
	}
	events_drain(e);
	log_info("stopping; the policies stay enforced");
	ret = 0;
out:
	if (d.maps.daemon >= 0 && d.maps.config > 0) {
		maps_set_daemon(&d.maps, 0);
		maps_guard_dir(&d.maps, NULL);
	}
	events_free(e);
	metrics_free(d.metrics);
	loader_close(&d.maps);
	if (fd >= 0)
		close(fd);
	free(d.known);
	return ret;
}
