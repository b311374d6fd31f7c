// SPDX-License-Identifier: GPL-2.0
/* warden load / warden unload */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>
#include "../bpf/abi.h"
#include "commands.h"
#include "loader.h"
#include "log.h"

static int no_args(const char *name, const char *help, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			log_verbose++;
			break;
		case 'h':
			printf("usage: warden %s\n\n%s\n", name, help);
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc)
		return cmd_usage_error(name, "unexpected argument '%s'", argv[optind]);
	return -1;
}

int cmd_load(int argc, char **argv)
{
	int ret = no_args("load",
			  "Load the BPF programs and pin them, with their maps, under " WARDEN_PIN_ROOT
			  ".\nThey stay attached when warden exits. Nothing is confined until a policy is applied.",
			  argc, argv);

	if (ret >= 0)
		return ret;
	if (loader_load())
		return 1;
	printf("warden: programs loaded and pinned under %s\n", WARDEN_PIN_ROOT);
	return 0;
}

int cmd_unload(int argc, char **argv)
{
	int ret = no_args("unload",
			  "Detach every warden program and remove everything pinned under " WARDEN_PIN_ROOT
			  ".\nEvery policy stops being enforced.",
			  argc, argv);

	if (ret >= 0)
		return ret;
	ret = loader_unload();
	if (ret < 0) {
		log_error("cannot unload: %s", strerror(-ret));
		return 1;
	}
	printf(ret ? "warden: unloaded; no policy is enforced\n" : "warden: nothing was loaded\n");
	return 0;
}
