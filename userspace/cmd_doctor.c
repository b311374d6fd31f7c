// SPDX-License-Identifier: GPL-2.0
/* warden doctor: can this kernel and system enforce policies? Each problem comes with its fix. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/magic.h>
#include "cgroup.h"
#include "commands.h"
#include "loader.h"
#include "log.h"
#include "output.h"

struct report {
	int failed;
	int json;
	int first;
};

static void line(struct report *r, int ok, int fatal, const char *check, const char *detail,
		 const char *fix)
{
	if (!ok && fatal)
		r->failed = 1;
	if (r->json) {
		printf("%s{\"check\":", r->first ? "" : ",");
		output_json_string(stdout, check);
		printf(",\"ok\":%s,\"fatal\":%s,\"detail\":", ok ? "true" : "false",
		       fatal ? "true" : "false");
		output_json_string(stdout, detail);
		printf(",\"fix\":");
		output_json_string(stdout, ok || !fix ? "" : fix);
		printf("}");
		r->first = 0;
		return;
	}
	printf("%-5s %-28s %s\n", ok ? "ok" : (fatal ? "FAIL" : "warn"), check, detail);
	if (!ok && fix && *fix)
		printf("      fix: %s\n", fix);
}

static int lsm_listed(const char *list)
{
	char copy[512], *tok, *save;

	snprintf(copy, sizeof(copy), "%s", list);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, "bpf"))
			return 1;
	return 0;
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct report r = { .first = 1 };
	char lsm[512], detail[1024], fix[1024], mount[900];
	struct utsname uts;
	struct statfs st;
	const char *stage = "";
	int c, err, root = geteuid() == 0, listed = -1;

	while ((c = getopt_long(argc, argv, "jvh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			r.json = 1;
			break;
		case 'v':
			log_verbose++;
			break;
		case 'h':
			printf("usage: warden doctor [--json]\n\n"
			       "Checks, with a fix for each problem: BPF LSM in the kernel's LSM list, kernel BTF,\n"
			       "a real trial load and attach of a BPF LSM program, cgroup v2, bpffs.\n"
			       "Exits 1 when this system cannot enforce warden policies.\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc)
		return cmd_usage_error("doctor", "unexpected argument '%s'", argv[optind]);

	if (r.json)
		printf("{\"checks\":[");
	uname(&uts);
	if (!r.json)
		printf("kernel %s %s\n", uts.release, uts.version);

	line(&r, root, 1, "running as root", root ? "yes" : "no: the trial load below cannot run",
	     "run 'warden doctor' as root");

	if (loader_lsm_list(lsm, sizeof(lsm)) == 0) {
		listed = lsm_listed(lsm);
		snprintf(detail, sizeof(detail), "%s (/sys/kernel/security/lsm: %s)",
			 listed ? "bpf is listed" : "bpf is NOT listed", lsm);
		snprintf(
			fix, sizeof(fix),
			"boot with lsm=%s,bpf on the kernel command line (the kernel needs CONFIG_BPF_LSM=y)",
			lsm);
		line(&r, listed, 1, "BPF LSM active", detail, fix);
	} else {
		line(&r, 0, 0, "BPF LSM active",
		     "unknown: securityfs is not mounted, so the LSM list cannot be read",
		     "mount -t securityfs securityfs /sys/kernel/security");
	}

	err = access("/sys/kernel/btf/vmlinux", R_OK) ? -errno : 0;
	line(&r, !err, 1, "kernel BTF",
	     err ? "/sys/kernel/btf/vmlinux is missing" : "/sys/kernel/btf/vmlinux",
	     "use a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian's kernels are)");

	if (root) {
		err = loader_probe(LOADER_PROBE_LSM, 1, &stage);
		if (!err) {
			line(&r, 1, 1, "BPF LSM program runs",
			     "a trial file_open program loaded, attached and saw an open", "");
		} else {
			char why[1024];

			loader_explain(err, why, sizeof(why));
			if (!strcmp(stage, "run")) {
				snprintf(
					detail, sizeof(detail),
					"a trial file_open program loaded and attached but never ran: BPF LSM is not active");
			} else if (listed == 1 && (err == -EPERM || err == -EACCES)) {
				snprintf(
					detail, sizeof(detail),
					"the kernel refuses BPF LSM programs: trial %s failed with %s and an empty verifier log although 'bpf' is listed",
					stage, strerror(-err));
				snprintf(
					why, sizeof(why),
					"enforcement is impossible on this kernel; run warden on one that accepts BPF LSM programs (a distribution kernel with CONFIG_BPF_LSM=y and bpf in lsm=); on a development machine, inside the VM: tests/vm/run -- build/warden doctor");
			} else {
				snprintf(detail, sizeof(detail), "trial %s failed: %s", stage,
					 strerror(-err));
			}
			line(&r, 0, 1, "BPF LSM program runs", detail, why);
		}
		if (!loader_probe(LOADER_PROBE_PATH, 1, &stage))
			line(&r, 1, 1, "path resolution",
			     "fmod_ret on security_file_open with bpf_d_path resolved a real open",
			     "");
		else
			line(&r, 0, 1, "path resolution",
			     "fmod_ret on security_file_open cannot resolve paths with bpf_d_path",
			     "use a kernel with BTF and CONFIG_BPF_LSM=y, 5.10 or later");
		if (!loader_probe(LOADER_PROBE_CHOWN, 0, &stage))
			line(&r, 1, 0, "chown", "path_chown (a hook taking kuid_t by value) loads",
			     "");
		else
			line(&r, 1, 0, "chown",
			     "path_chown takes a struct by value, which this kernel cannot attach to (before 6.1): chown and fchown are judged in inode_setattr",
			     "");
	} else {
		line(&r, 0, 1, "BPF LSM program runs", "not tried: needs root",
		     "run 'warden doctor' as root");
	}

	err = cgroup_mount_point(mount, sizeof(mount));
	if (!err)
		snprintf(detail, sizeof(detail), "mounted at %s", mount);
	line(&r, !err, 1, "cgroup v2", err ? "no cgroup2 filesystem is mounted" : detail,
	     "mount -t cgroup2 none /sys/fs/cgroup (or boot with systemd.unified_cgroup_hierarchy=1)");

	err = statfs("/sys/fs/bpf", &st) || st.f_type != BPF_FS_MAGIC;
	line(&r, !err, 1, "bpffs", err ? "not mounted at /sys/fs/bpf" : "mounted at /sys/fs/bpf",
	     "mount -t bpf bpffs /sys/fs/bpf");

	line(&r, 1, 0, "warden state",
	     loader_is_loaded() ? "loaded and pinned under /sys/fs/bpf/warden" : "not loaded", "");

	if (r.json)
		printf("],\"ok\":%s}\n", r.failed ? "false" : "true");
	else
		printf("%s\n", r.failed ? "warden cannot enforce policies on this system." :
					  "warden can enforce policies on this system.");
	return r.failed ? 1 : 0;
}
