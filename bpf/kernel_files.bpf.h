/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files that are not files: kernel switches (procfs, sysfs and the other pseudo filesystems a
 * write changes the kernel through), devices that reach memory or disks beneath every path rule,
 * and the /proc views of other processes. file.bpf.c classifies a file before judging it by the
 * fs rules; the class decides what more it takes (see enum kfile).
 *
 * The class depends on the filesystem the file is on (its superblock magic) and, on procfs and
 * sysfs, on its name relative to that filesystem's root, found by walking d_parent up to the
 * superblock's root: a bind mount of /proc/sys/kernel elsewhere, or a procfs mounted anywhere,
 * is classified the same.
 */
#ifndef WARDEN_KERNEL_FILES_BPF_H
#define WARDEN_KERNEL_FILES_BPF_H

#include "decide.bpf.h"

/* include/uapi/linux/magic.h */
#define PROC_SUPER_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572
#define TRACEFS_MAGIC 0x74726163
#define DEBUGFS_MAGIC 0x64626720
#define SECURITYFS_MAGIC 0x73636673
#define SELINUX_MAGIC 0xf97cff8c
#define SMACK_MAGIC 0x43415d53
#define BINFMTFS_MAGIC 0x42494e4d
#define CONFIGFS_MAGIC 0x62656570
#define EFIVARFS_MAGIC 0xde5e81e4
#define PSTOREFS_MAGIC 0x6165676C
#define FUSECTL_SUPER_MAGIC 0x65735543
#define NFSD_MAGIC 0x6e667364

#define MEM_MAJOR 1 /* drivers/char/mem.c: 1 mem, 2 kmem, 4 port */
#define INPUT_MAJOR 13 /* include/uapi/linux/major.h: evdev, mousedev, joydev */
#define MISC_MAJOR 10
#define UINPUT_MINOR 223 /* include/linux/miscdevice.h */
#define UHID_MINOR 239

enum kfile {
	KFILE_PLAIN = 0, /* an ordinary file: the fs rules alone decide */
	KFILE_SWITCH, /* a kernel switch: written only if fs.write names exactly this file */
	KFILE_DEVICE, /* a raw device: opened only if an fs rule names exactly this file */
	KFILE_ESCAPE, /* never written from a tagged cgroup (what=kernel) */
	KFILE_PROCESS, /* /proc/PID of a process outside the opener's policy (what=process) */
};

#define KNAME 32 /* longest name compared, with its NUL */
#define KDEPTH 4 /* names kept, from the leaf up */
#define KWALK 64 /* d_parent steps at most; deeper files are switches (fail closed) */

/* The last KDEPTH names of the file's path below its filesystem's root, in s->rev. */
#define KN(s, i) ((s)->rev + (i)*KNAME)

/* name (NUL-terminated, in a KNAME buffer) equals want (a literal shorter than KNAME) */
static __always_inline int kname_is(const char *name, const char *want)
{
#pragma unroll
	for (int i = 0; i < KNAME; i++) {
		if (name[i] != want[i])
			return 0;
		if (!want[i])
			return 1;
	}
	return 0;
}

/* name starts with want */
static __always_inline int kname_starts(const char *name, const char *want)
{
#pragma unroll
	for (int i = 0; i < KNAME; i++) {
		if (!want[i])
			return 1;
		if (name[i] != want[i])
			return 0;
	}
	return 0;
}

/* The path below the filesystem root is a/b/c (depth 3) and so on. */
#define KPATH1(a) (depth == 1 && kname_is(KN(s, 0), a))
#define KPATH2(a, b) (depth == 2 && kname_is(KN(s, 1), a) && kname_is(KN(s, 0), b))
#define KPATH3(a, b, c) \
	(depth == 3 && kname_is(KN(s, 2), a) && kname_is(KN(s, 1), b) && kname_is(KN(s, 0), c))
#define KPATH4(a, b, c, d)                                                                        \
	(depth == 4 && kname_is(KN(s, 3), a) && kname_is(KN(s, 2), b) && kname_is(KN(s, 1), c) && \
	 kname_is(KN(s, 0), d))

/* What kfile_class makes of a filesystem, by its superblock magic. */
enum kfile_fs {
	KFS_PLAIN = 0, /* its files are ordinary files (device nodes aside) */
	KFS_ESCAPE_WRITE, /* written: KFILE_ESCAPE */
	KFS_SWITCH_WRITE, /* written: KFILE_SWITCH */
	KFS_PROC, /* procfs: by name */
	KFS_SYS, /* sysfs: written, by name */
};

static __always_inline enum kfile_fs kfile_fs(unsigned long magic)
{
	switch (magic) {
	case TRACEFS_MAGIC: /* ftrace: detaches the trampolines BPF LSM and fmod_ret run on */
	case DEBUGFS_MAGIC: /* the same, and kprobes, and every driver's knobs */
	case SECURITYFS_MAGIC: /* LSM policies (AppArmor, IMA, the lockdown switch) */
	case SELINUX_MAGIC:
	case SMACK_MAGIC:
	case BINFMTFS_MAGIC: /* an interpreter the kernel runs for every matching exec */
		return KFS_ESCAPE_WRITE;
	case CONFIGFS_MAGIC: /* mkdir there makes kernel objects (USB gadgets, SCSI targets) */
	case EFIVARFS_MAGIC:
	case PSTOREFS_MAGIC:
	case FUSECTL_SUPER_MAGIC:
	case NFSD_MAGIC:
		return KFS_SWITCH_WRITE;
	case PROC_SUPER_MAGIC:
		return KFS_PROC;
	case SYSFS_MAGIC:
		return KFS_SYS;
	default:
		return KFS_PLAIN;
	}
}

/*
 * /proc/sys files that switch off what warden stands on or make the kernel run a program of the
 * writer's choosing as root outside every cgroup, and procfs files that do the same
 * (docs/security.md lists them with the reasons).
 */
static __always_inline int proc_escape(struct warden_scratch *s, __u32 depth)
{
	if (KPATH1("sysrq-trigger"))
		return 1;
	if (depth == 3 && kname_is(KN(s, 2), "sys") && kname_is(KN(s, 1), "kernel")) {
		const char *n = KN(s, 0);

		return kname_is(n, "modprobe") || kname_is(n, "core_pattern") ||
		       kname_is(n, "hotplug") || kname_is(n, "poweroff_cmd") ||
		       kname_is(n, "ftrace_enabled") || kname_is(n, "sysrq") ||
		       kname_starts(n, "kexec_") || kname_is(n, "unprivileged_bpf_disabled") ||
		       kname_is(n, "bpf_stats_enabled") || kname_is(n, "stack_tracer_enabled") ||
		       kname_is(n, "ftrace_dump_on_oops") || kname_is(n, "traceoff_on_warning") ||
		       kname_starts(n, "apparmor_");
	}
	return KPATH4("sys", "kernel", "usermodehelper", "bset") ||
	       KPATH4("sys", "kernel", "usermodehelper", "inheritable") ||
	       KPATH4("sys", "kernel", "yama", "ptrace_scope") ||
	       (depth == 4 && kname_is(KN(s, 3), "sys") && kname_is(KN(s, 2), "net") &&
		kname_is(KN(s, 1), "core") && kname_starts(KN(s, 0), "bpf_jit_")) ||
	       KPATH3("sys", "debug", "kprobes-optimization");
}

static __always_inline int sysfs_escape(struct warden_scratch *s, __u32 depth)
{
	return KPATH2("kernel", "uevent_helper");
}

/*
 * Whether the process a /proc/PID file belongs to is confined by the opener's policy: the
 * thread group leader of the proc inode's pid, by its cgroup's tag. A pid with no task left is
 * not (fail closed).
 */
static __always_inline int proc_same_policy(struct pid *pid, __u32 policy_id)
{
	struct hlist_node *first;
	struct task_struct *task;
	struct warden_cgroup *tag;
	__u64 cgid;

	first = BPF_CORE_READ(pid, tasks[0].first); /* PIDTYPE_PID */
	if (!first)
		return 0;
	task = (struct task_struct *)((char *)first -
				      bpf_core_field_offset(struct task_struct, pid_links));
	cgid = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	tag = bpf_map_lookup_elem(&warden_cgroups, &cgid);
	return tag && tag->policy_id == policy_id;
}

/*
 * The class of the file at dentry (its inode may be NULL: a name being created) for an access
 * of want (WARDEN_FS_* bits) by a task of policy policy_id. A global function, verified once;
 * on 5.10 it may take no pointers, so the dentry comes as a number and the names go to the
 * per-CPU scratch.
 */
__noinline int kfile_class(__u64 dentry_addr, __u32 want, __u32 policy_id)
{
	struct warden_scratch *s = warden_scratch_get();
	struct dentry *d = (struct dentry *)dentry_addr, *parent, *top = NULL;
	struct inode *inode = BPF_CORE_READ(d, d_inode);
	unsigned long magic = BPF_CORE_READ(d, d_sb, s_magic);
	__u32 mode = BPF_CORE_READ(inode, i_mode), rdev, depth = 0, i;
	char c;

	if (!s)
		return KFILE_ESCAPE;
	/* devices are judged by what they are, wherever their node was made */
	if (inode && (mode & S_IFMT) == S_IFBLK)
		return KFILE_DEVICE;
	if (inode && (mode & S_IFMT) == S_IFCHR) {
		rdev = BPF_CORE_READ(inode, i_rdev);
		if (rdev >> 20 == MEM_MAJOR &&
		    ((rdev & 0xfffff) == 1 || (rdev & 0xfffff) == 2 || (rdev & 0xfffff) == 4))
			return KFILE_DEVICE;
		/*
		 * Input: an event device reads every keystroke and, written to, types into the
		 * console's foreground terminal as uinput and uhid's made-up keyboards do (TIOCSTI's
		 * effect, bpf/guard.bpf.c)
		 */
		if (rdev >> 20 == INPUT_MAJOR ||
		    (rdev >> 20 == MISC_MAJOR &&
		     ((rdev & 0xfffff) == UINPUT_MINOR || (rdev & 0xfffff) == UHID_MINOR)))
			return KFILE_DEVICE;
	}
	switch (kfile_fs(magic)) {
	case KFS_ESCAPE_WRITE:
		return (want & WARDEN_FS_WRITE) ? KFILE_ESCAPE : KFILE_PLAIN;
	case KFS_SWITCH_WRITE:
		return (want & WARDEN_FS_WRITE) ? KFILE_SWITCH : KFILE_PLAIN;
	case KFS_PROC:
		if (want & WARDEN_FS_WRITE)
			break;
		/* read: only /proc/kcore, right below the root, matters; no walk for the rest */
		parent = BPF_CORE_READ(d, d_parent);
		if (parent != d && BPF_CORE_READ(parent, d_parent) == parent) {
			bpf_probe_read_kernel_str(KN(s, 0), KNAME, BPF_CORE_READ(d, d_name.name));
			if (kname_is(KN(s, 0), "kcore"))
				return KFILE_DEVICE;
		}
		return KFILE_PLAIN;
	case KFS_SYS:
		if (want & WARDEN_FS_WRITE)
			break;
		return KFILE_PLAIN;
	default:
		return KFILE_PLAIN;
	}

	/* the names below the superblock's root, whatever the mount it was reached through */
	for (i = 0; i < KWALK; i++) {
		parent = BPF_CORE_READ(d, d_parent);
		if (!parent || parent == d)
			break;
		if (depth < KDEPTH)
			bpf_probe_read_kernel_str(KN(s, depth & (KDEPTH - 1)), KNAME,
						  BPF_CORE_READ(d, d_name.name));
		top = d;
		d = parent;
		depth++;
	}
	if (i == KWALK)
		return KFILE_SWITCH;

	if (magic == SYSFS_MAGIC)
		return sysfs_escape(s, depth) ? KFILE_ESCAPE : KFILE_SWITCH;

	/* procfs, written: /proc/kcore is all of the kernel's memory */
	if (KPATH1("kcore"))
		return KFILE_DEVICE;
	/* /proc/PID/...: another process, unless it is confined by the same policy */
	if (top) {
		bpf_probe_read_kernel(&c, 1, BPF_CORE_READ(top, d_name.name));
		if (c >= '0' && c <= '9') {
			struct proc_inode *pi =
				(struct proc_inode *)((char *)inode -
						      bpf_core_field_offset(struct proc_inode,
									    vfs_inode));
			struct pid *pid = inode ? BPF_CORE_READ(pi, pid) : NULL;

			if (pid)
				return proc_same_policy(pid, policy_id) ? KFILE_PLAIN :
									  KFILE_PROCESS;
			/* /proc/PID/net and the like: the namespace's, not the process's */
			return KFILE_SWITCH;
		}
	}
	return proc_escape(s, depth) ? KFILE_ESCAPE : KFILE_SWITCH;
}

/*
 * kfile_class's answer when it is KFILE_PLAIN whatever the access, told from d (a BTF pointer,
 * read directly: no helper call, no global function) for the common file: no device node (or
 * no inode yet), on a filesystem kfile_fs has nothing to say of. -1 when kfile_class must tell.
 */
static __always_inline int kfile_class_quick(struct dentry *d)
{
	struct inode *inode = d->d_inode;
	__u32 fmt = inode ? inode->i_mode & S_IFMT : 0; /* no inode: a name being created */

	if (fmt == S_IFBLK || fmt == S_IFCHR || kfile_fs(d->d_sb->s_magic) != KFS_PLAIN)
		return -1;
	return KFILE_PLAIN;
}

/*
 * A kernel pointer as a plain number, for kfile_class: the verifier keeps a BTF pointer's type
 * through a cast, and a global function takes only scalars. Read through the stack, it is one.
 */
static __always_inline __u64 kaddr(const void *p)
{
	__u64 a = 0;

	bpf_probe_read_kernel(&a, sizeof(a), &p);
	return a;
}

/* The refusal of a file of class klass (not KFILE_PLAIN), with whatever of s->ev is filled. */
static __always_inline int kfile_refuse(struct warden_scratch *s, struct warden_policy *policy,
					__u32 policy_id, int klass)
{
	__u32 what = WARDEN_TAMPER_KERNEL;

	if (klass == KFILE_DEVICE)
		what = WARDEN_TAMPER_DEVICE;
	else if (klass == KFILE_PROCESS)
		what = WARDEN_TAMPER_PROCESS;
	return warden_tamper(s, policy, policy_id, what);
}

/*
 * After the fs rules allowed an access of want to a switch or a device, with s->exact_allow
 * filled by fs_match_path: only a rule naming exactly this file counts, since a directory rule
 * or a wildcard (a rule for all of /sys/) is easily written without meaning every switch under it.
 */
static __always_inline int kfile_exact(struct warden_scratch *s, struct warden_policy *policy,
				       __u32 policy_id, int klass, __u32 want)
{
	__u32 need = klass == KFILE_SWITCH ? WARDEN_FS_WRITE : want;

	if ((s->exact_allow & need) == need)
		return 0;
	return kfile_refuse(s, policy, policy_id, klass);
}

#endif /* WARDEN_KERNEL_FILES_BPF_H */
