/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WARDEN_LOADER_H
#define WARDEN_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* File descriptors of the pinned maps (see bpf/maps.bpf.h); -1 when not open. */
struct warden_maps {
	int config;
	int cgroups;
	int bindgen; /* warden_bindgen, advanced after tags change (bindings.c) */
	int binding;
	int bindpath;
	int cgdfa;
	int bank;
	int policy;
	int dfa;
	int fs_rule;
	int fs_short;
	int net_rule;
	int counter;
	int op_counter;
	int rate;
	int exe;
	int daemon;
	int loader;
	int events;
	int guarded;
	int guardbits;
	int overflow;
	int candidate;
};

/*
 * Load and attach the programs, pinning maps and links under WARDEN_PIN_ROOT, unless they are
 * already pinned. Failures are explained on stderr (no BPF LSM, no BTF, not root, a kernel that
 * refuses BPF LSM programs) and returned as a negative errno.
 */
int loader_load(void);

/*
 * Attach the candidate build of the programs beside the attached ones (report-only candidate
 * policies, bpf/decide.bpf.h), unless attached already; detach them. 0 or a negative errno.
 */
int loader_candidates_attach(void);
/* Attach the programs only some policies need (process.exec_memory: deny), if not attached. */
int loader_attach_lazy(void);
int loader_candidates_detach(void);

/*
 * Before tags change (warden_cgroups; done 0) and after (done 1), through warden_bindgen's
 * descriptor: the generation is made odd, then even (atomically, through a mapping of the
 * array: cgroup.bpf.c adds 2 on its side). While it is odd no task uses or keeps the tag its
 * last decision found (bpf/decide.bpf.h: tag_cached), so a writer killed or stopped halfway
 * leaves every task looking its tag up. 0 or a negative errno.
 */
int loader_tags_changing(int bindgen, int done);

/* Open the pinned maps. -ENOENT (explained) when warden is not loaded. */
int loader_open(struct warden_maps *m);
void loader_close(struct warden_maps *m);

/* Detach every program and remove every pin. 0 when there was nothing to unload. */
int loader_unload(void);

/*
 * Serialize changes to warden's state between warden processes (apply, remove, load, unload,
 * the daemon): an exclusive flock on /sys/fs/bpf. Returns the fd to pass to loader_unlock, or
 * a negative errno (explained). While warden is loaded, the holder is recorded as one of
 * warden's own processes (bpf/maps.bpf.h: warden_daemon), which tagged processes may not signal
 * (a stopped holder would keep the lock from every other warden process) or trace, and so is
 * the executable it runs (warden_selfexe: every process running it, from its exec on).
 */
int loader_lock(void);
void loader_unlock(int lock);

/* The kernel's dev_t (MAJOR << 20 | MINOR), which st_dev encodes differently. */
uint64_t loader_kernel_dev(dev_t dev);

/* 1 when the programs are pinned (enforcing), 0 when not. */
int loader_is_loaded(void);

/* The kernel's active LSM list, or -ENOENT when securityfs is not mounted. */
int loader_lsm_list(char *buf, size_t size);

enum loader_probe_kind {
	LOADER_PROBE_LSM, /* lsm/file_open: BPF LSM programs load, attach and run */
	LOADER_PROBE_PATH, /* fmod_ret/security_file_open with bpf_d_path */
	LOADER_PROBE_CHOWN, /* lsm/path_chown: a hook taking a struct (kuid_t) by value */
	LOADER_PROBE_LSM_PATH, /* lsm/file_open with bpf_d_path (6.x) */
};

/*
 * Trial-load one probe program. With run set, also attach it, open a file and check that the
 * program saw the open (and, for the path variants, resolved its path). 0 when all of that
 * worked; otherwise a negative errno and *ret_stage says what failed ("open", "load",
 * "attach" or "run": loaded and attached but never called).
 */
int loader_probe(enum loader_probe_kind kind, int run, const char **ret_stage);

/*
 * Why BPF LSM programs cannot be loaded here, in one sentence with its fix, given the errno a
 * load or the probe failed with. Written to buf.
 */
void loader_explain(int err, char *buf, size_t size);

#endif
