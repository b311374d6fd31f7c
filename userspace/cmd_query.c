// SPDX-License-Identifier: GPL-2.0
/*
 * warden query: would this operation be allowed, under which policy, by which rule. Decided by
 * policy_decide on the same compiled rule set apply installs (policy_ruleset_compile).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "applied.h"
#include "cgroup.h"
#include "commands.h"
#include "loader.h"
#include "log.h"
#include "maps.h"
#include "output.h"

static const char query_help[] =
	"usage: warden query (--pid PID | --cgroup PATH | --policy NAME|FILE) [--json] OP [TARGET]\n"
	"\n"
	"Would a process of that cgroup (or under that policy) be allowed OP on TARGET, and\n"
	"which policy, mode and rule decide? Exits 0 when allowed, 1 when denied, 2 on error.\n"
	"\n"
	"  --pid PID        the policy confining process PID (its cgroup's, or its nearest bound\n"
	"                   ancestor's, as the kernel finds it in warden's maps); root\n"
	"  --cgroup PATH    the same for a cgroup (below the cgroup2 mount, or under it)\n"
	"  --policy NAME    an installed policy (root); --policy FILE: a policy file (no root)\n"
	"  --json           {\"decision\", \"policy\", \"mode\", \"rule\", ...} on one line\n"
	"\n"
	"OP and TARGET:\n"
	"  fs.read PATH, fs.write PATH   open for reading, for writing (a unix socket's path:\n"
	"                                reaching it is fs.write)\n"
	"  exec PATH                     execute PATH\n"
	"  library PATH                  map PATH executable (dlopen, native addons)\n"
	"  net.connect ADDR:PORT[/tcp|/udp]   connect or send to (tcp when not given)\n"
	"  net.connect @NAME             an abstract unix socket\n"
	"  net.bind [ADDR:]PORT[/tcp|/udp]    bind (a port alone is 0.0.0.0:PORT; [::]:PORT\n"
	"                                is judged as [::] and 0.0.0.0, as without IPV6_V6ONLY)\n"
	"  fork, ptrace, memory.exec, signal, namespace, handle   the process keys (no TARGET)\n"
	"\n"
	"Paths are resolved as the kernel would see them: the real path of TARGET, or of its\n"
	"deepest existing directory with the rest appended for a path that does not exist.\n"
	"In audit mode a denial is printed as \"denied (audit: allowed and reported)\" and exits 1.\n"
	"An untagged pid or cgroup is allowed, with no policy. For --pid/--cgroup/--policy NAME\n"
	"the rules' texts come from the source apply and the daemon keep in " WARDEN_APPLIED_DIR
	",\n"
	"checked against the installed rule set's source hash.\n";

struct query_target {
	const char *pid;
	const char *cgroup;
	const char *policy;
	int json;
};

/* Resolve path as the kernel would see it (see the help). */
static int resolve_path(const char *in, char *out, size_t size)
{
	char abs[PATH_MAX * 2], rest[PATH_MAX * 2] = "", *slash, *real;

	if (in[0] == '/') {
		snprintf(abs, sizeof(abs), "%s", in);
	} else {
		if (!getcwd(abs, PATH_MAX))
			return -errno;
		snprintf(abs + strlen(abs), sizeof(abs) - strlen(abs), "/%s", in);
	}
	for (;;) {
		real = realpath(abs, NULL);
		if (real)
			break;
		if (errno != ENOENT && errno != ENOTDIR)
			return -errno;
		slash = strrchr(abs, '/');
		if (!slash)
			return -ENOENT;
		{
			char tmp[PATH_MAX * 2];

			snprintf(tmp, sizeof(tmp), "%s%s", slash, rest);
			snprintf(rest, sizeof(rest), "%s", tmp);
		}
		if (slash == abs) {
			abs[1] = 0;
		} else {
			*slash = 0;
		}
	}
	/* what does not exist yet: its components as written, "." and ".." resolved lexically */
	snprintf(abs, sizeof(abs), "%s", strcmp(real, "/") ? real : "");
	free(real);
	for (char *save = NULL, *c = strtok_r(rest, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			slash = strrchr(abs, '/');
			if (slash)
				*slash = 0;
			continue;
		}
		snprintf(abs + strlen(abs), sizeof(abs) - strlen(abs), "/%s", c);
	}
	if (!abs[0])
		strcpy(abs, "/");
	if (strlen(abs) >= size)
		return -ENAMETOOLONG;
	snprintf(out, size, "%s", abs);
	return 0;
}

/* The cgroup of process pid, below the cgroup2 mount. */
static int pid_cgroup(const char *pid, char *buf, size_t size)
{
	char path[64], line[PATH_MAX];
	char *end;
	FILE *f;
	long n = strtol(pid, &end, 10);
	int ret = -ENOENT;

	if (!*pid || *end || n <= 0) {
		log_error("query: --pid '%s' is not a process id", pid);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/proc/%ld/cgroup", n);
	f = fopen(path, "re");
	if (!f) {
		log_error("query: no process with pid %ld (%s: %s)", n, path, strerror(errno));
		return -ENOENT;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(buf, size, "%s", line + 3);
		ret = 0;
		break;
	}
	fclose(f);
	if (ret)
		log_error("query: process %ld is in no cgroup v2 cgroup (%s)", n, path);
	return ret;
}

static void print_json_field(const char *name, const char *value, int comma)
{
	printf("%s\"%s\":", comma ? "," : "", name);
	if (value)
		output_json_string(stdout, value);
	else
		fputs("null", stdout);
}

static void print_answer(const struct query_target *t, const char *op, const char *target,
			 const struct policy_ruleset *rs, const struct policy_decision *d,
			 const char *cgroup)
{
	int audit = rs && (rs->header.flags & WARDEN_POLICY_AUDIT);
	char rule[WARDEN_PATH_MAX + 64] = "", where[PATH_MAX + 32] = "";

	if (rs && d->by_default)
		snprintf(rule, sizeof(rule), "%s: %s", d->key, d->rule);
	else if (rs)
		snprintf(rule, sizeof(rule), "%s", d->rule);
	if (rs && d->line)
		snprintf(where, sizeof(where), "%s:%d:%d", rs->policy->file, d->line, d->column);
	if (t->json) {
		putchar('{');
		print_json_field("decision", d->denied ? "denied" : "allowed", 0);
		print_json_field("policy", rs ? rs->policy->name.s : NULL, 1);
		print_json_field("mode", rs ? (audit ? "audit" : "enforce") : NULL, 1);
		print_json_field("rule", rs ? rule : NULL, 1);
		print_json_field("key", rs ? d->key : NULL, 1);
		print_json_field("at", where[0] ? where : NULL, 1);
		print_json_field("kernel", d->denied && !audit ? "denied" : "allowed", 1);
		print_json_field("op", op, 1);
		print_json_field("target", target, 1);
		if (cgroup)
			print_json_field("cgroup", cgroup, 1);
		fputs("}\n", stdout);
		return;
	}
	printf("%s%s%s: ", op, target ? " " : "", target ? target : "");
	if (!rs) {
		printf("allowed: cgroup '%s' is confined by no policy\n", cgroup);
		return;
	}
	printf("%s by policy '%s' (%s)", d->denied ? "denied" : "allowed", rs->policy->name.s,
	       audit ? (d->denied ? "audit: allowed and reported" : "audit") : "enforce");
	if (d->by_default)
		printf(", %s\n", rule);
	else
		printf(", rule %s '%s' at %s\n", d->key, rule, where);
}

/* Compile the source kept for installed policy id; it must be the installed one. */
static int load_installed(const struct warden_maps *m, uint32_t id, struct policy **ret_p,
			  struct policy_ruleset **ret_rs)
{
	struct policy_diags diags = { 0 };
	struct warden_policy hdr;
	struct policy *p = NULL;
	char name[WARDEN_NAME_MAX + 1], err[256];
	int ret;

	ret = maps_policy_header(m, id, &hdr);
	if (ret || !hdr.in_use) {
		log_error("query: cannot read installed policy #%u: %s", id,
			  strerror(ret ? -ret : ENOENT));
		return -ENOENT;
	}
	snprintf(name, sizeof(name), "%.*s", (int)sizeof(hdr.name), hdr.name);
	ret = applied_load(name, &p, &diags);
	policy_diags_free(&diags);
	if (ret == -ENOENT) {
		log_error(
			"query: the rules of installed policy '%s' are not known: %s/%s.yaml is missing (installed by an older warden, or /run was cleared); apply it again, or ask with --policy FILE",
			name, WARDEN_APPLIED_DIR, name);
		return ret;
	}
	if (ret) {
		log_error("query: cannot read %s/%s.yaml: %s", WARDEN_APPLIED_DIR, name,
			  ret == -EINVAL ? "invalid policy" : strerror(-ret));
		return ret;
	}
	ret = policy_ruleset_compile(p, ret_rs, err, sizeof(err));
	if (!ret && ((*ret_rs)->header.source_hash != hdr.source_hash ||
		     (*ret_rs)->header.flags != hdr.flags || strcmp(p->name.s, name))) {
		policy_ruleset_free(*ret_rs);
		log_error(
			"query: %s/%s.yaml is not the source of installed policy '%s' (another version is in force); apply it again, or ask with --policy FILE",
			WARDEN_APPLIED_DIR, name, name);
		ret = -ESTALE;
	} else if (ret) {
		log_error("query: %s/%s.yaml: %s", WARDEN_APPLIED_DIR, name, err);
	}
	if (ret) {
		policy_free(p);
		return ret;
	}
	*ret_p = p;
	return 0;
}

/* A policy file for --policy: it contains '/', ends in .yaml/.yml, or exists here. */
static int is_policy_file(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') || (n > 5 && !strcmp(s + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(s + n - 4, ".yml")) || access(s, F_OK) == 0;
}

static int cgroup_arg(const char *mount, const char *arg, char *buf, size_t size)
{
	size_t n = strlen(mount);

	if (!strncmp(arg, mount, n) && (arg[n] == '/' || !arg[n]))
		arg += n;
	snprintf(buf, size, "%s", *arg ? arg : "/");
	if (size > 1 && strlen(buf) > 1 && buf[strlen(buf) - 1] == '/')
		buf[strlen(buf) - 1] = 0;
	return 0;
}

/* The policy for --pid, --cgroup or --policy NAME; *ret_p NULL for an untagged cgroup. */
static int find_policy(const struct query_target *t, struct policy **ret_p,
		       struct policy_ruleset **ret_rs, char *cgroup, size_t size)
{
	struct warden_maps m;
	char mount[PATH_MAX], dir[PATH_MAX * 2];
	uint32_t id = 0;
	uint64_t cgid;
	int ret;

	*ret_p = NULL;
	*ret_rs = NULL;
	if (!t->policy) {
		if (cmd_cgroup_mount(mount, sizeof(mount)))
			return -ENOENT;
		if (t->pid)
			ret = pid_cgroup(t->pid, cgroup, size);
		else
			ret = cgroup_arg(mount, t->cgroup, cgroup, size);
		if (ret)
			return ret;
		ret = cgroup_id(mount, cgroup, &cgid);
		if (ret) {
			snprintf(dir, sizeof(dir), "%s%s", mount,
				 strcmp(cgroup, "/") ? cgroup : "");
			log_error("query: cgroup '%s' does not exist (%s: %s)", cgroup, dir,
				  strerror(-ret));
			return ret;
		}
		if (!loader_is_loaded())
			return 0; /* warden is not loaded: nothing is confined */
	}
	if (loader_open(&m))
		return -ENOENT;
	if (t->policy) {
		ret = maps_policy_find(&m, t->policy, &id);
		if (ret)
			log_error(
				"query: no policy named '%s' is installed (a file: --policy ./%s)",
				t->policy, t->policy);
	} else {
		ret = maps_policy_of_cgroup(&m, mount, cgroup, &id);
		if (ret == -ENOENT) {
			ret = 0; /* untagged */
			goto out;
		}
		if (ret)
			log_error("query: cannot read the policy of cgroup '%s': %s", cgroup,
				  strerror(-ret));
	}
	if (!ret)
		ret = load_installed(&m, id, ret_p, ret_rs);
out:
	loader_close(&m);
	return ret;
}

static int parse_options(int argc, char **argv, struct query_target *t)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "policy", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, n;

	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			t->pid = optarg;
			break;
		case 'c':
			t->cgroup = optarg;
			break;
		case 'P':
			t->policy = optarg;
			break;
		case 'j':
			t->json = 1;
			break;
		case 'v':
			log_verbose++;
			break;
		case 'h':
			fputs(query_help, stdout);
			return 0;
		default:
			return 2;
		}
	}
	n = !!t->pid + !!t->cgroup + !!t->policy;
	if (n != 1)
		return cmd_usage_error("query", "give one of --pid, --cgroup and --policy");
	if (optind >= argc)
		return cmd_usage_error("query", "no OP given (%s)", policy_query_ops);
	if (argc - optind > 2)
		return cmd_usage_error("query", "unexpected argument '%s'", argv[optind + 2]);
	return -1;
}

int cmd_query(int argc, char **argv)
{
	struct query_target t = { 0 };
	struct policy_decision d = { 0 };
	struct policy_ruleset *rs = NULL;
	struct policy_set set = { 0 };
	struct policy_query q;
	struct policy *p = NULL;
	char err[512], cgroup[PATH_MAX] = "", resolved[PATH_MAX];
	const char *op, *target;
	int ret;

	ret = parse_options(argc, argv, &t);
	if (ret >= 0)
		return ret;
	op = argv[optind];
	target = optind + 1 < argc ? argv[optind + 1] : NULL;
	/* the query before the policy: a typo is reported as such; paths resolved first */
	if (target && !policy_query_parse(op, "/", &q, err, sizeof(err)) &&
	    (q.op == WARDEN_OP_FS_READ || q.op == WARDEN_OP_FS_WRITE || q.op == WARDEN_OP_EXEC ||
	     q.op == WARDEN_OP_LIBRARY)) {
		ret = resolve_path(target, resolved, sizeof(resolved));
		if (ret) {
			log_error("query: cannot resolve '%s': %s", target, strerror(-ret));
			return 2;
		}
		target = resolved;
	}
	ret = policy_query_parse(op, target, &q, err, sizeof(err));
	if (ret) {
		log_error("query: %s", err);
		return 2;
	}
	if (t.policy && is_policy_file(t.policy)) {
		if (cmd_read_policies((char **)&t.policy, 1, &set))
			return 2;
		rs = set.rulesets[0];
	} else if (find_policy(&t, &p, &rs, cgroup, sizeof(cgroup))) {
		return 2;
	}
	ret = rs ? policy_decide(rs, &q, &d) : 0;
	if (ret) {
		log_error("query: cannot decide: %s", strerror(-ret));
		ret = 2;
		goto out;
	}
	print_answer(&t, op, target, rs, &d, t.policy ? NULL : cgroup);
	ret = d.denied ? 1 : 0;
out:
	if (!set.n)
		policy_ruleset_free(rs);
	policy_free(p);
	cmd_free_policies(&set);
	return ret;
}
