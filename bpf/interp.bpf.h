/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ELF interpreter of an allowed exec is part of that exec. One execve opens several files
 * with __FMODE_EXEC in the same task, and file_open judges each by the exec rules: the program
 * (do_open_execat), then what a binary format handler opens for it with open_exec: a script's
 * #! interpreter (binfmt_script), a binfmt_misc interpreter, an ELF program's PT_INTERP
 * (binfmt_elf). Only the last is part of the program's exec. The others are programs in their
 * own right, named by data a process may write (a script, a registered magic), and stay
 * judged: a script cannot widen the exec rules.
 *
 * search_binary_handler calls bprm_check_security before the handlers try bprm->file, for the
 * program and again for each interpreter a handler put in its place. There the task records
 * (warden_bprm_check_security in file.bpf.c) the bprm, its file and argc, the file's path for
 * events, and a grant when the exec rules allow the file and its ELF header names a PT_INTERP.
 * The task's next exec open takes the record, whatever it holds: one record, one open. On a
 * stacking filesystem one open is judged twice: overlayfs's open opens the real file, in the
 * same task, with the same flags and with the mounter's credentials in place of the task's
 * (ovl_override_creds), under the overlay's path before 6.6 (open_with_fake_path) and under
 * the real one after (backing_file_open). That second open gets the answer of the first; any
 * other exec open ends the record. The grant holds only for an open that
 * - is not the next execve's own (after an exec that failed before its interpreter was
 *   opened): open_exec passes a kernel file name, an execve the caller's (exec_open_is_main);
 * - comes while the bprm still runs the recorded file, under the same policy;
 * - comes with argc unchanged: binfmt_script and binfmt_misc add their interpreter's name to
 *   argv before they open it (5.10 to 6.12), binfmt_elf opens PT_INTERP without touching argv.
 * A granted open is judged by the deny rules alone (deny wins); the default does not apply.
 * The record dies when the exec ends (bprm_committed_creds), when the task checks its next
 * file (bprm_check_security) and when the task is freed.
 */
#ifndef WARDEN_INTERP_BPF_H
#define WARDEN_INTERP_BPF_H

#include "decide.bpf.h"

struct warden_interp {
	__u64 bprm; /* the exec's struct linux_binprm; 0: no live record */
	__u64 file; /* bprm->file when recorded */
	__u32 argc; /* bprm->argc when recorded */
	__u32 policy_id;
	__u32 grant; /* the next exec open may be file's ELF interpreter */
	__u32 pad;
	__u64 taken; /* the dentry of the exec open that took the record; 0: none yet */
	char program[WARDEN_EXE_MAX]; /* file's path, for events; "" if longer */
};

/*
 * Only this object uses the records, so they are not pinned. 5.10 (no task storage): by
 * thread id, removed when the task is freed. Later kernels: the task's own storage, which the
 * loader does not create on 5.10 (choose_scratch).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct warden_interp);
} warden_interp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct warden_interp);
} warden_tinterp SEC(".maps");

/* Resolved against the kernel's BTF at load time; the verifier drops the other branch. */
static __always_inline int interp_in_task_storage(void)
{
	return bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_TASK_STORAGE);
}

/* The current task's record, NULL when it has none. */
static __always_inline struct warden_interp *interp_find(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (interp_in_task_storage())
		return bpf_task_storage_get(&warden_tinterp, bpf_get_current_task_btf(), NULL, 0);
	return bpf_map_lookup_elem(&warden_interp, &tid);
}

/*
 * The current task's record, created if needed, for bprm_check_security to fill in; NULL when
 * memory is short (then there is no grant: the interpreter is judged like any program).
 */
static __always_inline struct warden_interp *interp_create(struct warden_scratch *s)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (interp_in_task_storage())
		return bpf_task_storage_get(&warden_tinterp, bpf_get_current_task_btf(), NULL,
					    BPF_LOCAL_STORAGE_GET_F_CREATE);
	/* a zeroed value, from the scratch: it does not fit on the stack beside the rest */
	__builtin_memset(s->rev, 0, sizeof(struct warden_interp));
	if (bpf_map_update_elem(&warden_interp, &tid, s->rev, BPF_ANY))
		return NULL;
	return bpf_map_lookup_elem(&warden_interp, &tid);
}

/*
 * End the current task's record rec (NULL: none). It is marked dead first, so that it is dead
 * even where the delete could fail; task storage stays for the task's next exec.
 */
static __always_inline void interp_end(struct warden_interp *rec)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!rec)
		return;
	rec->bprm = 0;
	rec->grant = 0;
	rec->taken = 0;
	if (!interp_in_task_storage())
		bpf_map_delete_elem(&warden_interp, &tid);
}

static __always_inline void interp_forget(void)
{
	interp_end(interp_find());
}

/*
 * Whether the exec open being judged is an execve's own: do_open_execat looks up the file name
 * the caller passed (a struct filename with a user pointer), while open_exec, which every
 * binary format handler uses, passes one made by getname_kernel (no user pointer), and
 * binfmt_misc's 'F' flag clones a file opened at registration (no path walk: no nameidata).
 * kernel_execve passes a kernel name too, but only kernel threads and init call it, never a
 * tagged task.
 */
static __always_inline int exec_open_is_main(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct nameidata *nd = BPF_CORE_READ(task, nameidata);
	struct filename *name;

	if (!nd)
		return 0;
	name = BPF_CORE_READ(nd, name);
	return !name || BPF_CORE_READ(name, uptr);
}

/* Whether the current task runs with credentials other than its own (override_creds). */
static __always_inline int creds_borrowed(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, cred) != BPF_CORE_READ(task, real_cred);
}

/*
 * An exec open by a tagged task (file_open): takes the task's record, names its program in the
 * event when the open is a handler's, for that program, and returns 1 when the open is the ELF
 * interpreter of a program the exec rules allowed (see the top of this file).
 */
static __always_inline int interp_claim(struct warden_scratch *s, struct file *file,
					__u32 policy_id)
{
	struct warden_interp *rec = interp_find();
	struct linux_binprm *bprm;
	int grant;

	if (!rec || !rec->bprm)
		return 0;
	if (WARDEN_IS_CANDIDATE) {
		/*
		 * The candidate build only reads the record the enforcing programs keep (it must
		 * not change what they decide): the interpreter comes with an exec they allowed.
		 * Whether the candidate would allow the program itself was reported at its own
		 * open.
		 */
		if (exec_open_is_main())
			return 0;
		__builtin_memcpy(s->ev.program, rec->program, sizeof(s->ev.program));
		if (rec->taken)
			return rec->grant &&
			       (rec->taken == (__u64)BPF_CORE_READ(file, f_path.dentry) ||
				creds_borrowed());
		bprm = (struct linux_binprm *)rec->bprm;
		return rec->grant && rec->file != (__u64)file &&
		       (__u64)BPF_CORE_READ(bprm, file) == rec->file &&
		       (__u32)BPF_CORE_READ(bprm, argc) == rec->argc;
	}
	if (exec_open_is_main()) {
		interp_end(rec); /* left by an exec that failed */
		return 0;
	}
	if (rec->taken) {
		/* the real file below the overlay file that took the record keeps its answer */
		if (rec->taken != (__u64)BPF_CORE_READ(file, f_path.dentry) && !creds_borrowed()) {
			interp_end(rec);
			return 0;
		}
		__builtin_memcpy(s->ev.program, rec->program, sizeof(s->ev.program));
		return rec->grant && rec->policy_id == policy_id;
	}
	bprm = (struct linux_binprm *)rec->bprm;
	grant = rec->grant && rec->policy_id == policy_id && rec->file != (__u64)file &&
		(__u64)BPF_CORE_READ(bprm, file) == rec->file &&
		(__u32)BPF_CORE_READ(bprm, argc) == rec->argc;
	__builtin_memcpy(s->ev.program, rec->program, sizeof(s->ev.program));
	rec->grant = grant;
	rec->taken = (__u64)BPF_CORE_READ(file, f_path.dentry);
	return grant;
}

#endif /* WARDEN_INTERP_BPF_H */
