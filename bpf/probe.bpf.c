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

/* What the two path probes share: count the probing process's opens and copy their path. */
static __always_inline int record_path(struct file *file)
{
	if (mine()) {
		bpf_d_path((struct path *)&file->f_path, probe_path, sizeof(probe_path));
		__sync_fetch_and_add(&probe_hits, 1);
	}
	return 0;
}

SEC("lsm.s/file_open")
int BPF_PROG(warden_probe_sleepable, struct file *file, int ret)
{
	if (ret)
		return ret;
	return record_path(file);
}

SEC("fmod_ret/security_file_open")
int BPF_PROG(warden_probe_compat, struct file *file, int ret)
{
	if (ret)
		return ret;
	return record_path(file);
}
