// SPDX-License-Identifier: GPL-2.0
/* warden run: one command under Node's and Deno's permission flags, enforced by the kernel. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "log.h"
#include "run.h"

/* warden run's own failures, as env(1) and timeout(1) report theirs */
#define RUN_EXIT_FAILED 125

static const char run_help[] =
	"usage: warden run [OPTIONS] [--] CMD [ARGS...]\n"
	"\n"
	"Run CMD in a new cgroup confined by a policy of its own, and exit with its status\n"
	"(128+N when a signal N killed it). The cgroup and the policy are removed when the last\n"
	"process in it exits. With no flags CMD can start and do nothing else: read what it needs\n"
	"to start (docs/run.md lists it), no other file, no writes, no programs, no network.\n"
	"Each denial is printed once on stderr with the flag that allows it.\n"
	"\n"
	"Values are comma lists, or repeat the flag. A --deny flag wins over any allow.\n"
	"  --allow-fs-read=PATH      read PATH (a directory: everything below it; * for all)\n"
	"  --allow-fs-write=PATH     write, create, remove, rename PATH\n"
	"  --allow-child-process     fork and execute any program (still confined)\n"
	"  --allow-exec=PROG         execute exactly PROG (found in PATH; implies fork)\n"
	"  --allow-addons            map any library executable (native addons, dlopen, FFI)\n"
	"  --allow-libraries=PATH    map PATH executable\n"
	"  --allow-net[=ADDR]        connect to ADDR (policy syntax: 10.0.0.0/8, 127.0.0.1:80/tcp,\n"
	"                            [::1]:6379, @abstract-socket); no value: anywhere\n"
	"  --allow-bind[=PORT]       bind and listen on PORT (8080/tcp, 53/udp); no value: any\n"
	"  --deny-fs-read=PATH, --deny-fs-write=PATH, --deny-child-process, --deny-exec=PROG,\n"
	"  --deny-addons, --deny-libraries=PATH, --deny-net[=ADDR], --deny-bind[=PORT]\n"
	"  -A, --allow-all           allow everything (deny flags still apply)\n"
	"  --policy FILE             start from a policy file instead of the default; flags add\n"
	"  --audit                   deny nothing; report what would be denied\n"
	"  -q, --quiet               no denial lines\n"
	"  --events FILE             write this run's events to FILE, one JSON object per line\n"
	"\n"
	"Node's and Deno's spellings: --permission (ignored), --allow-read[=PATH],\n"
	"--allow-write[=PATH], --allow-run[=PROG], --allow-ffi[=PATH], --deny-read, --deny-write,\n"
	"--deny-run, --deny-ffi; --allow-worker, --allow-wasi, --allow-env and --allow-hrtime are\n"
	"accepted and change nothing. warden run needs root (BPF programs, cgroups). Exit status:\n"
	"CMD's; 125 when warden could not run it, 2 for a usage error.\n";

enum {
	O_FS_READ = 256,
	O_FS_WRITE,
	O_CHILD,
	O_EXEC,
	O_ADDONS,
	O_LIBS,
	O_NET,
	O_BIND,
	O_DENY_FS_READ,
	O_DENY_FS_WRITE,
	O_DENY_CHILD,
	O_DENY_EXEC,
	O_DENY_ADDONS,
	O_DENY_LIBS,
	O_DENY_NET,
	O_DENY_BIND,
	O_POLICY,
	O_AUDIT,
	O_EVENTS,
	O_NOTHING,
};

static const struct option run_opts[] = {
	{ "allow-fs-read", required_argument, NULL, O_FS_READ },
	{ "allow-read", optional_argument, NULL, O_FS_READ },
	{ "allow-fs-write", required_argument, NULL, O_FS_WRITE },
	{ "allow-write", optional_argument, NULL, O_FS_WRITE },
	{ "allow-child-process", no_argument, NULL, O_CHILD },
	{ "allow-exec", required_argument, NULL, O_EXEC },
	{ "allow-run", optional_argument, NULL, O_EXEC },
	{ "allow-addons", no_argument, NULL, O_ADDONS },
	{ "allow-libraries", required_argument, NULL, O_LIBS },
	{ "allow-ffi", optional_argument, NULL, O_LIBS },
	{ "allow-net", optional_argument, NULL, O_NET },
	{ "allow-bind", optional_argument, NULL, O_BIND },
	{ "deny-fs-read", required_argument, NULL, O_DENY_FS_READ },
	{ "deny-read", optional_argument, NULL, O_DENY_FS_READ },
	{ "deny-fs-write", required_argument, NULL, O_DENY_FS_WRITE },
	{ "deny-write", optional_argument, NULL, O_DENY_FS_WRITE },
	{ "deny-child-process", no_argument, NULL, O_DENY_CHILD },
	{ "deny-exec", required_argument, NULL, O_DENY_EXEC },
	{ "deny-run", optional_argument, NULL, O_DENY_EXEC },
	{ "deny-addons", no_argument, NULL, O_DENY_ADDONS },
	{ "deny-libraries", required_argument, NULL, O_DENY_LIBS },
	{ "deny-ffi", optional_argument, NULL, O_DENY_LIBS },
	{ "deny-net", optional_argument, NULL, O_DENY_NET },
	{ "deny-bind", optional_argument, NULL, O_DENY_BIND },
	{ "allow-all", no_argument, NULL, 'A' },
	{ "policy", required_argument, NULL, O_POLICY },
	{ "audit", no_argument, NULL, O_AUDIT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "events", required_argument, NULL, O_EVENTS },
	{ "permission", no_argument, NULL, O_NOTHING },
	{ "experimental-permission", no_argument, NULL, O_NOTHING },
	{ "allow-worker", no_argument, NULL, O_NOTHING },
	{ "allow-wasi", no_argument, NULL, O_NOTHING },
	{ "allow-env", optional_argument, NULL, O_NOTHING },
	{ "allow-hrtime", no_argument, NULL, O_NOTHING },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static struct run_list *list_of(struct run_flags *f, int opt)
{
	switch (opt) {
	case O_FS_READ:
		return &f->fs_read;
	case O_FS_WRITE:
		return &f->fs_write;
	case O_EXEC:
		return &f->exec;
	case O_LIBS:
		return &f->libraries;
	case O_NET:
		return &f->net;
	case O_BIND:
		return &f->bind;
	case O_DENY_FS_READ:
		return &f->deny_fs_read;
	case O_DENY_FS_WRITE:
		return &f->deny_fs_write;
	case O_DENY_EXEC:
		return &f->deny_exec;
	case O_DENY_LIBS:
		return &f->deny_libraries;
	case O_DENY_NET:
		return &f->deny_net;
	case O_DENY_BIND:
		return &f->deny_bind;
	}
	return NULL;
}

struct run_args {
	struct run_flags flags;
	struct run_options o;
	const char *policy;
	const char *events;
};

/* Returns -1 to go on with optind at CMD, or an exit status. */
static int parse_args(int argc, char **argv, struct run_args *a)
{
	struct run_list *l;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:Aqvh", run_opts, NULL)) != -1) {
		l = list_of(&a->flags, c);
		if (l) {
			if (optarg && !*optarg)
				return cmd_usage_error("run", "%s: empty value", argv[optind - 1]);
			if (run_list_add(l, optarg))
				return RUN_EXIT_FAILED;
			continue;
		}
		switch (c) {
		case O_CHILD:
			a->flags.child_process = 1;
			break;
		case O_DENY_CHILD:
			a->flags.deny_child_process = 1;
			break;
		case O_ADDONS:
			a->flags.addons = 1;
			break;
		case O_DENY_ADDONS:
			a->flags.deny_addons = 1;
			break;
		case 'A':
			a->flags.all = 1;
			break;
		case O_POLICY:
			a->policy = optarg;
			break;
		case O_AUDIT:
			a->o.audit = 1;
			break;
		case 'q':
			a->o.quiet = 1;
			break;
		case O_EVENTS:
			a->events = optarg;
			break;
		case O_NOTHING:
			break;
		case 'v':
			log_verbose++;
			break;
		case 'h':
			fputs(run_help, stdout);
			return 0;
		case ':':
			return cmd_usage_error("run", "%s needs a value", argv[optind - 1]);
		default:
			if (optopt && optopt < 256)
				return cmd_usage_error("run", "unknown option '-%c'", optopt);
			return cmd_usage_error("run", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cmd_usage_error("run", "no command given");
	return -1;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a = { 0 };
	struct policy_diags diags = { 0 };
	struct policy *p = NULL;
	char msg[4096], prog[4096];
	size_t i;
	int ret, err, status;

	ret = parse_args(argc, argv, &a);
	if (ret >= 0)
		goto out;
	ret = RUN_EXIT_FAILED;
	if (run_find_program(argv[optind], prog, sizeof(prog))) {
		log_error("cannot run '%s': no such program", argv[optind]);
		ret = 127;
		goto out;
	}
	err = run_policy_build(&a.flags, a.policy, argv[optind], &p, &diags);
	for (i = 0; i < diags.n; i++) {
		policy_diag_format(&diags.v[i], msg, sizeof(msg));
		fprintf(stderr, "warden: %s\n", msg);
	}
	if (err) {
		if (err == -EINVAL || err == -ENOENT)
			ret = 2;
		else if (!diags.n)
			log_error("cannot build the policy: %s", strerror(-err));
		goto out;
	}
	if (a.events) {
		a.o.events = fopen(a.events, "we");
		if (!a.o.events) {
			log_error("cannot open '%s': %s", a.events, strerror(errno));
			goto out;
		}
	}
	err = run_confined(p, argv + optind, &a.o, &status);
	if (!err)
		ret = status;
out:
	if (a.o.events && fclose(a.o.events) && ret == 0)
		ret = RUN_EXIT_FAILED;
	policy_free(p);
	policy_diags_free(&diags);
	run_flags_free(&a.flags);
	return ret;
}
