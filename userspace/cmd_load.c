// SPDX-License-Identifier: GPL-2.0
/* warden load / warden unload */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include "../bpf/abi.h"
#include "applied.h"
#include "rskeys.h"
#include "commands.h"
#include "loader.h"
#include "log.h"

int cmd_load(int argc, char **argv)
{
	int ret = cmd_simple_options(
		"load",
		"usage: warden load\n\n"
		"Load the BPF programs and pin them, with their maps, under " WARDEN_PIN_ROOT
		".\nThey stay attached when warden exits. Nothing is confined until a policy is applied.\n",
		NULL, argc, argv);

	int lock;

	if (ret >= 0)
		return ret;
	lock = loader_lock();
	if (lock < 0)
		return 1;
	ret = loader_load();
	loader_unlock(lock);
	if (ret)
		return 1;
	printf("warden: programs loaded and pinned under %s\n", WARDEN_PIN_ROOT);
	return 0;
}

int cmd_unload(int argc, char **argv)
{
	int ret = cmd_simple_options(
		"unload",
		"usage: warden unload\n\n"
		"Detach every warden program and remove everything pinned under " WARDEN_PIN_ROOT
		".\nEvery policy stops being enforced.\n",
		NULL, argc, argv);

	int lock = -1;

	if (ret >= 0)
		return ret;
	if (loader_is_loaded()) {
		lock = loader_lock();
		if (lock < 0)
			return 1;
	}
	ret = loader_unload();
	if (lock >= 0)
		loader_unlock(lock);
	if (ret < 0) {
		log_error("cannot unload: %s", strerror(-ret));
		return 1;
	}
	applied_forget_all();
	rskeys_forget_all();
	printf(ret ? "warden: unloaded; no policy is enforced\n" : "warden: nothing was loaded\n");
	return 0;
}
