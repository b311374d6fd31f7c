// SPDX-License-Identifier: GPL-2.0
/* warden: the command table. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cgroup.h"
#include "commands.h"
#include "log.h"
#include "version.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "doctor", cmd_doctor, "check that this kernel and system can enforce warden policies" },
	{ "run", cmd_run, "run a command confined by flags (as Node's --permission) or a policy" },
	{ "check", cmd_check, "validate policy files (no root, no kernel)" },
	{ "apply", cmd_apply, "validate policy files, then install them (all or none)" },
	{ "remove", cmd_remove, "remove installed policies by name" },
	{ "status", cmd_status, "installed policies, their cgroups and counters" },
	{ "events", cmd_events, "denial and audit events from the kernel" },
	{ "learn", cmd_learn, "write the policy that allows what a program used" },
	{ "query", cmd_query, "would an operation be allowed, and by which policy and rule" },
	{ "daemon", cmd_daemon, "keep the installed policies equal to a directory's, live" },
	{ "load", cmd_load, "load and pin the BPF programs (apply does this when needed)" },
	{ "unload", cmd_unload, "detach every program and remove all warden state" },
};

static void usage(FILE *f)
{
	size_t i;

	fputs("usage: warden [-v] COMMAND [ARGS...]\n       warden --version\n\ncommands:\n", f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'warden COMMAND --help' describes a command. -v shows libbpf's messages (-vv: all).\n",
	      f);
}

int cmd_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "warden %s: ", command);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n(see 'warden %s --help')\n", command);
	va_end(ap);
	return 2;
}

int cmd_simple_options(const char *name, const char *help, const char *need, int argc, char **argv)
{
	return cmd_flag_options(name, help, need, NULL, NULL, argc, argv);
}

int cmd_flag_options(const char *name, const char *help, const char *need, const char *flag,
		     int *flag_set, int argc, char **argv)
{
	const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ flag, no_argument, NULL, 'f' }, /* no flag: this entry ends the list */
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			log_verbose++;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		case 'f':
			*flag_set = 1;
			break;
		default:
			return 2;
		}
	}
	if (need && optind >= argc)
		return cmd_usage_error(name, "no %s given", need);
	if (!need && optind < argc)
		return cmd_usage_error(name, "unexpected argument '%s'", argv[optind]);
	return -1;
}

int cmd_cgroup_mount(char *buf, size_t size)
{
	int err = cgroup_mount_point(buf, size);

	if (err)
		log_error("no cgroup2 filesystem is mounted: mount -t cgroup2 none /sys/fs/cgroup");
	return err;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			log_verbose++;
			break;
		case 'V':
			printf("warden %s\n", WARDEN_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	log_setup_libbpf();
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		argc -= optind;
		argv += optind;
		optind = 0; /* restart getopt for the command's own options */
		return commands[i].fn(argc, argv);
	}
	fprintf(stderr, "warden: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return 2;
}
