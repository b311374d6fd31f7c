// SPDX-License-Identifier: GPL-2.0
/*
 * Trial programs for `warden doctor` and the loader: does this kernel accept BPF LSM programs,
 * do they actually run, and which way of resolving paths does it allow? Each program only
 * counts the opens of the probing process and copies their path; none decides anything.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 probe_tgid = 0;
__u64 probe_hits = 0;
char probe_path[64] = {};

static __always_inline int mine(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == probe_tgid;
}

SEC("lsm/file_open")
int BPF_PROG(warden_probe_lsm, struct file *file, int ret)
{
	if (ret)
		return ret;
	if (mine())
		__sync_fetch_and_add(&probe_hits, 1);
	return 0;
}

/* Count the probing process's opens and copy their path, as warden's file_open does. */
SEC("fmod_ret/security_file_open")
int BPF_PROG(warden_probe_path, struct file *file, int ret)
{
	if (ret)
		return ret;
	if (mine()) {
		bpf_d_path((struct path *)&file->f_path, probe_path, sizeof(probe_path));
		__sync_fetch_and_add(&probe_hits, 1);
	}
	return 0;
}

/* The same from an LSM program, which 6.x allows (file_open is among its sleepable hooks). */
SEC("lsm/file_open")
int BPF_PROG(warden_probe_lsm_path, struct file *file, int ret)
{
	if (ret)
		return ret;
	if (mine()) {
		bpf_d_path((struct path *)&file->f_path, probe_path, sizeof(probe_path));
		__sync_fetch_and_add(&probe_hits, 1);
	}
	return 0;
}

/* Only loaded: whether the kernel attaches to hooks taking a struct by value (kuid_t). */
SEC("lsm/path_chown")
int BPF_PROG(warden_probe_chown, const struct path *path, unsigned int uid, unsigned int gid,
	     int ret)
{
	return ret;
}
