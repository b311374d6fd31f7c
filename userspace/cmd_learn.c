// SPDX-License-Identifier: GPL-2.0
/*
 * warden learn: run a command (or watch a cgroup) under a policy that denies nothing and
 * reports everything, and write the policy that allows what it used (learn.c builds it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include "../bpf/abi.h"
#include "cgroup.h"
#include "commands.h"
#include "events.h"
#include "learn.h"
#include "loader.h"
#include "log.h"
#include "maps.h"
#include "output.h"
#include "run.h"

static const char learn_help[] =
	"usage: warden learn [OPTIONS] [-o FILE] -- CMD [ARGS...]\n"
	"       warden learn [OPTIONS] [-o FILE] --cgroup PATH --duration SECONDS\n"
	"       warden learn [OPTIONS] [-o FILE] --from EVENTS.jsonl\n"
	"\n"
	"Write the policy that allows what a program used, and nothing else: the files it\n"
	"read and wrote (grouped into directory rules, see --group), the programs it ran, the\n"
	"libraries it mapped, the addresses it connected to and bound, fork, ptrace and the\n"
	"rest of process:. Each rule's comment says how often it was used. The result passes\n"
	"`warden check`, and `warden run --policy FILE -- CMD` then runs the same workload.\n"
	"\n"
	"  -- CMD [ARGS...]     run CMD as `warden run --audit` does: in a new cgroup, under\n"
	"                       warden run's default (what CMD needs to start) with every\n"
	"                       category at deny-but-report; exit with CMD's status\n"
	"  --cgroup PATH        watch an existing cgroup (below the cgroup2 mount) and what runs\n"
	"  --duration SECONDS   in it, for this long (or until SIGINT). With no policy over the\n"
	"                       cgroup, a learning policy (audit, everything denied) is bound to\n"
	"                       it meanwhile. A cgroup already confined keeps its policy as it\n"
	"                       is (never weakened): its events are learnt from, which in\n"
	"                       enforce mode are the denials only. The output binds PATH.\n"
	"  --from FILE          learn from recorded events (`warden events --json` lines, or\n"
	"                       `warden run --events`); - reads stdin. With --cgroup: only the\n"
	"                       events of PATH and the cgroups below it, and the policy binds PATH\n"
	"  --only-policy NAME   with --from: only the events of the installed policy NAME\n"
	"  --merge OLD.yaml     widen OLD.yaml instead of starting from nothing: its rules,\n"
	"                       denies, defaults, name, mode, cgroups and comments stay, what was\n"
	"                       used and it does not allow is added (with -- CMD, CMD runs under\n"
	"                       OLD in audit mode). Used but denied by it: a warning, not a rule\n"
	"  -o, --output FILE    write the policy to FILE (replaced at once) instead of stdout\n"
	"  --name NAME          the policy's name (default: CMD's or the cgroup's name)\n"
	"  --group N            a directory with N or more used entries directly in it (files,\n"
	"                       or subdirectories with used files) becomes one rule DIR/\n"
	"                       (default 3; 0 lists every file). Never below /proc, /sys, /dev\n"
	"  --min-depth N        no directory rule shallower than N components (default 2:\n"
	"                       /usr/lib/ may be one, /etc/ and / never)\n"
	"  --temp-dirs LIST     a file written below one of these directories becomes a rule\n"
	"                       for the whole directory, as temporary names differ on every run\n"
	"                       (default /tmp,/var/tmp,/dev/shm; \"\" for none)\n"
	"  --no-base            with -- CMD: start from nothing instead of warden run's default\n"
	"  -v                   also print each event learnt from\n"
	"\n"
	"-- CMD and --cgroup need root; --from does not. The warden daemon, or `warden events`,\n"
	"running at the same time read the same event stream: the events they take are missed.\n";

enum {
	O_CGROUP = 256,
	O_DURATION,
	O_FROM,
	O_ONLY_POLICY,
	O_MERGE,
	O_NAME,
	O_GROUP,
	O_MIN_DEPTH,
	O_TEMP_DIRS,
	O_NO_BASE
};

struct learn_cmd {
	struct learn_options o;
	const char *output;
	const char *from;
	const char *merge;
	char *cgroup; /* a copy, without a trailing '/' */
	long duration;
	int no_base;
	char **argv; /* CMD, or NULL */
	/* the file to widen */
	struct policy *old;
	char *old_text;
	size_t old_len;
	/* the start of the learnt policy, when it is not a file (warden run's default) */
	struct policy *base;
	struct learn *l;
	char name[64];
	int status; /* CMD's exit status */
	/* -- CMD: the run's counters, to tell events the kernel counted and did not deliver */
	struct warden_maps maps;
	int maps_open; /* 1 open, -1 could not be, 0 not tried */
	uint64_t received;
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static int read_text(const char *file, char **ret_text, size_t *ret_len)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "re") : stdin, *mem;
	char *text = NULL, buf[65536];
	size_t len = 0, n;
	int ret = 0;

	if (!f)
		return -errno;
	mem = open_memstream(&text, &len);
	if (!mem) {
		ret = -ENOMEM;
		goto out;
	}
	while (!ret && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (fwrite(buf, 1, n, mem) != n)
			ret = -ENOMEM;
	if (!ret && ferror(f))
		ret = -EIO;
	if (fclose(mem) && !ret)
		ret = -ENOMEM;
	if (ret)
		free(text);
	else {
		*ret_text = text;
		*ret_len = len;
	}
out:
	if (f != stdin)
		fclose(f);
	return ret;
}

static void print_diags(struct policy_diags *d)
{
	char buf[2048];

	for (size_t i = 0; i < d->n; i++) {
		policy_diag_format(&d->v[i], buf, sizeof(buf));
		log_error("%s", buf);
	}
}

/* The file --merge widens, parsed and checked as `warden check` would. */
static int read_merge(struct learn_cmd *c)
{
	struct policy_set set;
	int err;

	if (cmd_read_policies((char **)&c->merge, 1, &set))
		return -EINVAL;
	c->old = set.v[0];
	set.v[0] = NULL;
	cmd_free_policies(&set);
	err = read_text(c->merge, &c->old_text, &c->old_len);
	if (err)
		log_error("cannot read '%s': %s", c->merge, strerror(-err));
	return err;
}

/* A policy name from a word: lowercase, other characters as '-', at most 63. */
static void name_from(const char *word, char *buf, size_t size)
{
	const char *base = strrchr(word, '/');
	size_t i, n = 0;

	base = base && base[1] ? base + 1 : word;
	for (i = 0; base[i] && n + 1 < size && n < 63; i++) {
		char ch = base[i];

		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789._-", ch))
			ch = '-';
		buf[n++] = ch;
	}
	buf[n] = 0;
	if (!n)
		snprintf(buf, size, "learned");
}

static int valid_name(const char *s)
{
	size_t len = strlen(s);

	return len >= 1 && len <= 63 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

/* One event from the kernel, as its JSON line: --from and live learning read the same. */
static int take_view(const struct event_view *ev, void *ctx)
{
	struct learn *l = ctx;
	char *line = NULL, err[128];
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	int ret;

	if (!f)
		return -ENOMEM;
	output_event_json(f, ev);
	if (fclose(f)) {
		free(line);
		return -ENOMEM;
	}
	if (log_verbose)
		fprintf(stderr, "warden learn: %s", line);
	ret = learn_add_json(l, line, err, sizeof(err));
	free(line);
	return ret == -EINVAL ? 0 : ret;
}

static int learn_from(struct learn_cmd *c)
{
	FILE *f = strcmp(c->from, "-") ? fopen(c->from, "re") : stdin;
	char *line = NULL, err[128];
	size_t size = 0, n = 0;
	int ret = 0;

	if (!f) {
		log_error("cannot open '%s': %s", c->from, strerror(errno));
		return -errno;
	}
	while (getline(&line, &size, f) > 0) {
		n++;
		ret = learn_add_json(c->l, line, err, sizeof(err));
		if (ret == -EINVAL)
			log_error("%s:%zu: %s", c->from, n, err);
		if (ret)
			break;
	}
	if (!ret && ferror(f)) {
		ret = -EIO;
		log_error("cannot read '%s': %s", c->from, strerror(EIO));
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

/* The policy in force for cgroup path: its own binding, or its nearest bound ancestor's. */
static int effective_policy(const struct warden_maps *m, const char *mount, const char *path,
			    uint32_t *ret_id)
{
	char p[PATH_MAX], *slash;
	uint64_t id;

	snprintf(p, sizeof(p), "%s", path);
	for (;;) {
		if ((!cgroup_id(mount, p, &id) && !maps_binding_of(m, id, ret_id)) ||
		    !maps_bindpath_of(m, p, ret_id))
			return 0;
		if (!strcmp(p, "/"))
			return -ENOENT;
		slash = strrchr(p, '/');
		if (slash == p)
			slash[1] = 0;
		else
			*slash = 0;
	}
}

/* A YAML double-quoted string of s, into buf. */
static void yaml_quoted(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	buf[n++] = '"';
	for (; *s && n + 6 < size; s++) {
		if (*s == '"' || *s == '\\')
			buf[n++] = '\\';
		buf[n++] = *s;
	}
	buf[n++] = '"';
	buf[n] = 0;
}

/*
 * The policy learning binds: the file being widened, or nothing allowed, in audit mode. Every
 * category the file leaves at deny (all of them for a new policy) reports what it would deny.
 */
static int learning_policy(const struct learn_cmd *c, const char *name, const char *cgroup,
			   struct policy **ret)
{
	struct policy_diags diags = { 0 };
	char quoted[PATH_MAX * 2 + 8], *text = NULL;
	int n, err;

	if (c->old) {
		err = policy_parse_string(c->merge, c->old_text, c->old_len, ret, &diags);
	} else {
		yaml_quoted(cgroup ? cgroup : "/", quoted, sizeof(quoted));
		n = asprintf(
			&text,
			"name: %s\nmode: audit\ncgroups: [%s]\nfs: {default: deny}\n"
			"exec: {default: deny}\nlibraries: {default: deny}\n"
			"net: {connect: {default: deny}, bind: {default: deny}}\n"
			"process: {fork: deny, ptrace: deny, exec_memory: deny, signal: deny}\n",
			name, quoted);
		if (n < 0)
			return -ENOMEM;
		err = policy_parse_string("warden learn", text, n, ret, &diags);
		free(text);
	}
	if (err) {
		print_diags(&diags);
		policy_diags_free(&diags);
		return err;
	}
	policy_diags_free(&diags);
	if (c->old && cgroup) {
		struct policy *p = *ret;
		char *s = strdup(name), *cg = strdup(cgroup);
		struct policy_str *v = calloc(1, sizeof(*v));

		if (!s || !cg || !v) {
			free(s);
			free(cg);
			free(v);
			policy_free(p);
			return -ENOMEM;
		}
		free(p->name.s);
		p->name.s = s;
		for (size_t i = 0; i < p->cgroups.n; i++)
			free(p->cgroups.v[i].s);
		free(p->cgroups.v);
		v[0].s = cg;
		p->cgroups.v = v;
		p->cgroups.n = 1;
		p->audit = 1;
	}
	return 0;
}

/* Bind a learning policy to cgroup path (which no policy confines), under the lock. */
static int bind_learning(const struct learn_cmd *c, const struct warden_maps *m, const char *mount,
			 const char *name)
{
	struct policy *p;
	int err = learning_policy(c, name, c->cgroup, &p);

	if (err)
		return err;
	err = cmd_install_policy(m, mount, p);
	if (err)
		log_error("cannot install the learning policy: %s", strerror(-err));
	policy_free(p);
	return err;
}

static void remove_learning(const struct warden_maps *m, const char *mount, const char *name)
{
	int lock = loader_lock();
	uint32_t id;

	if (lock < 0) {
		log_error("the learning policy '%s' stays installed: warden remove %s", name, name);
		return;
	}
	if (!maps_policy_find(m, name, &id) && maps_policy_remove(m, mount, id))
		log_error("cannot remove the learning policy '%s': warden remove %s", name, name);
	loader_unlock(lock);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static int watch(struct learn_cmd *c, struct warden_maps *m, const char *mount, uint32_t id)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct maps_counters before = { 0 }, after = { 0 };
	long end = now_ms() + c->duration * 1000;
	struct events *e;
	int err;

	err = events_open(m, mount, take_view, c->l, &e);
	if (err) {
		log_error("cannot read the event ring buffer: %s", strerror(-err));
		return err;
	}
	maps_counters(m, id, &before);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop && now_ms() < end) {
		long left = end - now_ms();

		err = events_poll(e, left > 500 ? 500 : left > 0 ? (int)left : 0);
		if (err < 0)
			break;
		err = 0;
	}
	if (err >= 0)
		err = events_drain(e);
	events_free(e);
	if (!maps_counters(m, id, &after))
		learn_set_dropped(c->l, after.dropped - before.dropped);
	return err < 0 ? err : 0;
}

static int learn_cgroup(struct learn_cmd *c)
{
	char mount[PATH_MAX], name[64], existing[64];
	struct warden_policy hdr;
	struct warden_maps m;
	uint64_t cgid;
	uint32_t id;
	int lock, err, bound = 0;

	if (cmd_cgroup_mount(mount, sizeof(mount)))
		return -ENOENT;
	err = cgroup_id(mount, c->cgroup, &cgid);
	if (err) {
		log_error("no cgroup '%s' below %s: %s", c->cgroup, mount, strerror(-err));
		return err;
	}
	lock = loader_lock();
	if (lock < 0)
		return lock;
	err = loader_load();
	if (!err)
		err = loader_open(&m);
	if (err) {
		loader_unlock(lock);
		return err;
	}
	snprintf(name, sizeof(name), "learn.%d", (int)getpid());
	if (!effective_policy(&m, mount, c->cgroup, &id)) {
		/* never weakened: its own events are what there is to learn from */
		if (maps_policy_name(&m, id, existing, sizeof(existing)) ||
		    maps_policy_header(&m, id, &hdr)) {
			err = -ENOENT;
			log_error("cannot read the policy confining '%s'", c->cgroup);
		} else {
			c->o.only_policy = existing;
			log_info("'%s' is confined by policy '%s' (%s): learning from its events, "
				 "its enforcement unchanged%s",
				 c->cgroup, existing,
				 hdr.flags & WARDEN_POLICY_AUDIT ? "audit" : "enforce",
				 hdr.flags & WARDEN_POLICY_AUDIT ?
					 "" :
					 "; in enforce mode only its denials are seen, and what "
					 "fails after them is not");
		}
	} else {
		c->o.only_policy = name;
		err = bind_learning(c, &m, mount, name);
		bound = !err;
		if (!err)
			err = maps_policy_find(&m, name, &id);
	}
	loader_unlock(lock);
	if (!err) {
		c->o.only_cgroup = c->cgroup;
		err = learn_new(&c->o, &c->l);
	}
	if (!err) {
		log_info("learning from cgroup '%s' for %ld second%s", c->cgroup, c->duration,
			 c->duration == 1 ? "" : "s");
		err = watch(c, &m, mount, id);
	}
	if (bound)
		remove_learning(&m, mount, name);
	loader_close(&m);
	return err;
}

/*
 * An event of the run. Each one also reads the run's counters while its policy exists: what
 * the kernel counted and this run did not receive (the rate limit dropped it, or another
 * reader of the event stream took it) is missing from the policy, and said so.
 */
static void on_run_event(const struct event_view *ev, void *ctx)
{
	struct learn_cmd *c = ctx;
	struct maps_counters cnt;
	uint64_t counted;

	c->received++;
	if (take_view(ev, c->l) == -ENOMEM)
		log_error("out of memory: an event is missing from the policy");
	/* opened at the first event: by then run_confined has loaded the programs */
	if (!c->maps_open)
		c->maps_open = loader_open(&c->maps) ? -1 : 1;
	if (c->maps_open > 0 && !maps_counters(&c->maps, ev->raw->policy_id, &cnt)) {
		counted = cnt.audited + cnt.denied;
		learn_set_dropped(c->l, counted > c->received ? counted - c->received : 0);
	}
}

/*
 * The policy CMD runs under while learning: the file being widened, warden run's default for
 * CMD (what it needs to start: the events then tell only what it does beyond that), or with
 * --no-base nothing at all; in audit mode, run_confined names and binds it.
 */
static int run_policy(struct learn_cmd *c, struct policy **ret)
{
	struct policy_diags diags = { 0 };
	struct run_flags none = { 0 };
	int err;

	if (c->old || c->no_base)
		return learning_policy(c, "learn", NULL, ret);
	err = run_policy_build(&none, NULL, c->argv[0], ret, &diags);
	if (err)
		print_diags(&diags);
	policy_diags_free(&diags);
	if (err)
		return err;
	/* warden run's default allows it; learning asks whether the program needs it */
	(*ret)->exec_memory_deny = 1;
	return 0;
}

static int learn_run(struct learn_cmd *c)
{
	struct run_options ro = { .audit = 1, .quiet = 1, .on_event = on_run_event, .ctx = c };
	char prog[PATH_MAX];
	struct policy *p;
	int err;

	if (geteuid() != 0) {
		log_error(
			"warden learn -- CMD needs root: it loads BPF programs and creates a cgroup");
		return -EPERM;
	}
	err = run_find_program(c->argv[0], prog, sizeof(prog));
	if (err) {
		log_error("cannot find the program '%s': %s", c->argv[0], strerror(-err));
		return err;
	}
	err = run_policy(c, &p);
	if (!err)
		err = learn_new(&c->o, &c->l);
	if (err)
		return err;
	err = run_confined(p, c->argv, &ro, &c->status);
	if (c->maps_open > 0)
		loader_close(&c->maps);
	if (!err && !c->old && !c->no_base) {
		c->base = p; /* its rules start the learnt policy */
		return 0;
	}
	policy_free(p);
	return err;
}

static int write_policy(struct learn_cmd *c)
{
	char tmp[PATH_MAX];
	FILE *f = stdout;
	const char *w;
	size_t i;
	int err;

	if (c->output) {
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%d", c->output, (int)getpid()) >=
		    sizeof(tmp))
			return -ENAMETOOLONG;
		f = fopen(tmp, "we");
		if (!f) {
			err = -errno;
			log_error("cannot create '%s': %s", tmp, strerror(-err));
			return err;
		}
	}
	err = learn_write(c->l, c->old ? c->old : c->base, c->old ? c->old_text : NULL,
			  c->old ? c->old_len : 0, f);
	if (c->output) {
		if (fclose(f) && !err)
			err = -EIO;
		if (!err && rename(tmp, c->output))
			err = -errno;
		if (err)
			unlink(tmp);
	}
	if (err) {
		log_error("cannot write the policy%s%s: %s", c->output ? " to " : "",
			  c->output ? c->output : "", strerror(-err));
		return err;
	}
	for (i = 0; (w = learn_warning(c->l, i)); i++)
		log_error("warning: %s", w);
	log_info("%s policy '%s' from %zu event%s%s%s", c->old ? "widened" : "learnt",
		 c->old ? c->old->name.s : c->o.name, learn_events(c->l),
		 learn_events(c->l) == 1 ? "" : "s", c->output ? " into " : "",
		 c->output ? c->output : "");
	return 0;
}

static int parse_number(const char *opt, const char *s, long max, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 0 || v > max)
		return cmd_usage_error("learn", "%s: '%s' is not a number from 0 to %ld", opt, s,
				       max);
	*ret = v;
	return 0;
}

static int parse_options(struct learn_cmd *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "cgroup", required_argument, NULL, O_CGROUP },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "from", required_argument, NULL, O_FROM },
		{ "only-policy", required_argument, NULL, O_ONLY_POLICY },
		{ "merge", required_argument, NULL, O_MERGE },
		{ "name", required_argument, NULL, O_NAME },
		{ "group", required_argument, NULL, O_GROUP },
		{ "min-depth", required_argument, NULL, O_MIN_DEPTH },
		{ "temp-dirs", required_argument, NULL, O_TEMP_DIRS },
		{ "no-base", no_argument, NULL, O_NO_BASE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	long v;
	int opt;

	c->duration = -1;
	while ((opt = getopt_long(argc, argv, "+o:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			c->output = optarg;
			break;
		case O_CGROUP:
			free(c->cgroup);
			c->cgroup = strdup(optarg);
			if (!c->cgroup) {
				log_error("out of memory");
				return 1;
			}
			break;
		case O_DURATION:
			if (parse_number("--duration", optarg, 365L * 24 * 3600, &c->duration))
				return 2;
			break;
		case O_FROM:
			c->from = optarg;
			break;
		case O_ONLY_POLICY:
			c->o.only_policy = optarg;
			break;
		case O_MERGE:
			c->merge = optarg;
			break;
		case O_NAME:
			if (!valid_name(optarg))
				return cmd_usage_error(
					"learn",
					"--name: '%s' is not 1 to 63 of a-z, 0-9, '.', '_', '-'",
					optarg);
			c->o.name = optarg;
			break;
		case O_GROUP:
			if (parse_number("--group", optarg, 1000000, &v))
				return 2;
			c->o.group = v;
			break;
		case O_MIN_DEPTH:
			if (parse_number("--min-depth", optarg, 4096, &v))
				return 2;
			c->o.min_depth = v;
			break;
		case O_TEMP_DIRS:
			c->o.temp_dirs = optarg;
			break;
		case O_NO_BASE:
			c->no_base = 1;
			break;
		case 'v':
			log_verbose++;
			break;
		case 'h':
			fputs(learn_help, stdout);
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc)
		c->argv = argv + optind;
	if (!!c->argv + !!c->from + (c->cgroup && !c->from) != 1)
		return cmd_usage_error("learn", "give one of -- CMD, --cgroup PATH --duration N, "
						"or --from FILE");
	if (c->cgroup && !c->from && c->duration < 1)
		return cmd_usage_error("learn", "--cgroup needs --duration SECONDS (1 or more)");
	if (c->duration >= 0 && (!c->cgroup || c->from))
		return cmd_usage_error("learn", "--duration goes with --cgroup, without --from");
	if (c->o.only_policy && !c->from)
		return cmd_usage_error("learn", "--only-policy goes with --from");
	if (c->no_base && !c->argv)
		return cmd_usage_error("learn", "--no-base goes with -- CMD");
	if (c->cgroup && (c->cgroup[0] != '/' || strstr(c->cgroup, "//")))
		return cmd_usage_error("learn",
				       "--cgroup: '%s' is not a path below the cgroup2 "
				       "mount (such as /system.slice/x.service)",
				       c->cgroup);
	return -1;
}

int cmd_learn(int argc, char **argv)
{
	struct learn_cmd c = { 0 };
	char *base = NULL;
	int ret, err;

	learn_options_default(&c.o);
	c.o.name = NULL;
	ret = parse_options(&c, argc, argv);
	if (ret >= 0) {
		free(c.cgroup);
		return ret;
	}
	if (!c.o.name) {
		name_from(c.argv   ? c.argv[0] :
			  c.cgroup ? c.cgroup :
				     "learned",
			  c.name, sizeof(c.name));
		c.o.name = c.name;
	}
	c.o.source = c.argv ? c.argv[0] : c.from ? c.from : c.cgroup;
	if (c.cgroup && strcmp(c.cgroup, "/") && c.cgroup[strlen(c.cgroup) - 1] == '/')
		c.cgroup[strlen(c.cgroup) - 1] = 0;
	c.o.cgroup = c.cgroup;
	/* as warden run: 125 when the command could not be run or the policy not written */
	ret = c.argv ? 125 : 1;
	if (c.merge && read_merge(&c))
		goto out;
	if (c.argv && !c.merge && !c.no_base) {
		if (asprintf(&base, "warden run's default for %s (what it needs to start)",
			     c.argv[0]) < 0) {
			log_error("out of memory");
			goto out;
		}
		c.o.base = base;
	}
	if (c.from) {
		c.o.only_cgroup = c.cgroup;
		err = learn_new(&c.o, &c.l);
		if (!err)
			err = learn_from(&c);
	} else if (c.cgroup) {
		err = learn_cgroup(&c);
	} else {
		err = learn_run(&c);
	}
	if (err == -ENOMEM)
		log_error("out of memory");
	if (err || write_policy(&c))
		goto out;
	ret = c.argv ? c.status : 0;
out:
	learn_free(c.l);
	policy_free(c.old);
	policy_free(c.base);
	free(c.old_text);
	free(c.cgroup);
	free(base);
	return ret;
}
