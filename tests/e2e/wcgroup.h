/* SPDX-License-Identifier: GPL-2.0 */
/* The e2e helpers' way into a cgroup: they join it themselves, after they were loaded. */
#ifndef WARDEN_E2E_WCGROUP_H
#define WARDEN_E2E_WCGROUP_H

#include <stdio.h>
#include <unistd.h>

/* Move this process into cgroup directory dir: 0, or -1 with a message naming prog. */
static inline int join_cgroup(const char *prog, const char *dir)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f)) {
		fprintf(stderr, "%s: cannot join %s\n", prog, dir);
		return -1;
	}
	return 0;
}

#endif
