// SPDX-License-Identifier: GPL-2.0
/*
 * Tamper resistance: what a process in a tagged cgroup may never do, even as root, because it
 * would switch enforcement off or step outside it: the bpf() system call, loading kernel
 * modules, mounting, chroot and pivot_root, new mount or user namespaces, and signalling the
 * warden daemon. Leaving the cgroup, changing the BPF filesystem and tracing
 * the daemon are guarded where those operations are judged anyway (file.bpf.c, proc.bpf.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "decide.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define CLONE_NEWNS 0x00020000
#define CLONE_NEWUSER 0x10000000

/*
 * The bpf hook gained a fourth argument (kernel) in 6.9; the loader keeps the variant whose
 * argument count matches, so ret is read from the right place.
 */
SEC("lsm/bpf")
int BPF_PROG(warden_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	if (ret)
		return ret;
	return warden_guard(WARDEN_TAMPER_BPF);
}

SEC("lsm/bpf")
int BPF_PROG(warden_bpf4, int cmd, union bpf_attr *attr, unsigned int size, bool kernel, int ret)
{
	if (ret || kernel)
		return ret;
	return warden_guard(WARDEN_TAMPER_BPF);
}

SEC("lsm/sb_mount")
int BPF_PROG(warden_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	if (ret)
		return ret;
	return warden_guard(WARDEN_TAMPER_MOUNT);
}

SEC("lsm/sb_umount")
int BPF_PROG(warden_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	if (ret)
		return ret;
	return warden_guard(WARDEN_TAMPER_MOUNT);
}

/* the new mount API's way to attach a mount (fsmount, open_tree) */
SEC("lsm/move_mount")
int BPF_PROG(warden_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	if (ret)
		return ret;
	return warden_guard(WARDEN_TAMPER_MOUNT);
}

SEC("lsm/sb_pivotroot")
int BPF_PROG(warden_sb_pivotroot, const struct path *old_path, const struct path *new_path, int ret)
{
	if (ret)
		return ret;
	return warden_guard(WARDEN_TAMPER_CHROOT);
}

SEC("lsm/path_chroot")
int BPF_PROG(warden_path_chroot, const struct path *path, int ret)
{
	if (ret)
		return ret;
	return warden_guard(WARDEN_TAMPER_CHROOT);
}

/* finit_module, kexec_file_load, LSM policy loads: anything but firmware */
SEC("lsm/kernel_read_file")
int BPF_PROG(warden_kernel_read_file, struct file *file, enum kernel_read_file_id id, bool contents,
	     int ret)
{
	if (ret)
		return ret;
	if (id == READING_FIRMWARE)
		return 0;
	return warden_guard(WARDEN_TAMPER_MODULE);
}

/* init_module and kexec_load, from a buffer */
SEC("lsm/kernel_load_data")
int BPF_PROG(warden_kernel_load_data, enum kernel_load_data_id id, bool contents, int ret)
{
	if (ret)
		return ret;
	if (id == LOADING_FIRMWARE)
		return 0;
	return warden_guard(WARDEN_TAMPER_MODULE);
}

/*
 * On-demand module loading (request_module: a socket family, a crypto algorithm, a line
 * discipline, a netdev or filesystem type whose module is not loaded): the kernel runs
 * modprobe as root, outside every cgroup, for a name the caller can pick in part. The module
 * asked for is the event's path. Most callers report a failed request as "not supported"
 * (socket(2) says EAFNOSUPPORT), not EPERM.
 */
SEC("lsm/kernel_module_request")
int BPF_PROG(warden_kernel_module_request, char *kmod_name, int ret)
{
	struct warden_policy *policy = NULL;
	struct warden_scratch *s = NULL;
	__u32 policy_id = 0;
	long len;
	int tagged;

	if (ret)
		return ret;
	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0)
		return tagged;
	len = bpf_probe_read_kernel_str(s->ev.path, 256, kmod_name);
	s->ev.path_len = len > 0 ? len : 0;
	return warden_tamper(s, policy, policy_id, WARDEN_TAMPER_MODULE);
}

/*
 * An operation on one of warden's own processes (thread group target; own: whether it is one)
 * by a tagged task: refused.
 */
static __always_inline int daemon_guard(__u32 target, int own)
{
	struct warden_policy *policy = NULL;
	struct warden_scratch *s = NULL;
	__u32 policy_id = 0;
	int tagged;

	if (!own)
		return 0;
	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0)
		return tagged;
	s->ev.target_pid = target;
	return warden_tamper(s, policy, policy_id, WARDEN_TAMPER_DAEMON);
}

/* An operation on task p (warden_is_own) by a tagged task: refused. */
static __always_inline int task_guard(struct task_struct *p)
{
	return daemon_guard(p->tgid, warden_is_own(p));
}

/*
 * process.signal: deny. A tagged task may signal only processes of its own policy, as Landlock's
 * LANDLOCK_SCOPE_SIGNAL: kill, tgkill, rt_sigqueueinfo, pidfd_send_signal and kill(-pgrp) reach
 * task_kill once per target; the kernel's own signals (SIGCHLD, a terminal's ^C) do not.
 * Signal 0, which asks whether a process exists, counts. target: the pid to report (p's, or
 * the number a task named as a file's owner, p NULL: refused without a look).
 */
static __always_inline int signal_decide(struct task_struct *p, __u32 target)
{
	struct warden_policy *policy = NULL;
	struct warden_scratch *s = NULL;
	__u32 policy_id = 0;
	int tagged;

	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0 || !(policy->flags & WARDEN_POLICY_SIGNAL_DENY))
		return tagged < 0 ? tagged : 0;
	if (p && same_policy(p, policy_id)) {
		warden_count_allowed(policy_id);
		return 0;
	}
	s->ev.target_pid = target;
	return warden_report(&s->ev, policy, policy_id, WARDEN_OP_SIGNAL, WARDEN_REASON_RULE);
}

SEC("lsm/task_kill")
int BPF_PROG(warden_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	if (ret)
		return ret;
	ret = task_guard(p);
	if (ret)
		return ret;
	return signal_decide(p, p->tgid);
}

/* Nor starved: their limits, priority, scheduling policy and memory placement. */
SEC("lsm/task_setrlimit")
int BPF_PROG(warden_task_setrlimit, struct task_struct *p, unsigned int resource,
	     struct rlimit *new_rlim, int ret)
{
	if (ret)
		return ret;
	return task_guard(p);
}

SEC("lsm/task_setnice")
int BPF_PROG(warden_task_setnice, struct task_struct *p, int nice, int ret)
{
	if (ret)
		return ret;
	return task_guard(p);
}

SEC("lsm/task_setioprio")
int BPF_PROG(warden_task_setioprio, struct task_struct *p, int ioprio, int ret)
{
	if (ret)
		return ret;
	return task_guard(p);
}

SEC("lsm/task_setscheduler")
int BPF_PROG(warden_task_setscheduler, struct task_struct *p, int ret)
{
	if (ret)
		return ret;
	return task_guard(p);
}

SEC("lsm/task_movememory")
int BPF_PROG(warden_task_movememory, struct task_struct *p, int ret)
{
	if (ret)
		return ret;
	return task_guard(p);
}

/*
 * SIGIO and SIGURG sent to a file's owner (F_SETOWN, F_SETOWN_EX, F_SETSIG), the way around
 * task_kill: no warden process sets an owner on any file, so none gets these signals, whoever's
 * I/O sends them (the sender may be an interrupt or another process). A tagged sender is
 * reported.
 */
SEC("lsm/file_send_sigiotask")
int BPF_PROG(warden_file_send_sigiotask, struct task_struct *tsk, struct fown_struct *fown, int sig,
	     int ret)
{
	if (ret)
		return ret;
	if (!warden_is_own(tsk))
		return 0;
	daemon_guard(tsk->tgid, 1); /* reports a tagged sender */
	return -EPERM;
}

/* include/uapi/asm-generic/fcntl.h */
#define F_SETOWN 8
#define F_SETOWN_EX 15
#define F_OWNER_PGRP 2

/*
 * A process by its number: the daemon or the lock holder (no task to read the executable of;
 * file_send_sigiotask judges the signal itself).
 */
static __always_inline int pid_guard(__u32 pid)
{
	return daemon_guard(pid, warden_is_daemon(pid));
}

/* The thread group id of the current task as its own pid namespace numbers it. */
static __always_inline __s32 own_tgid_in_ns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pid *pid = BPF_CORE_READ(task, group_leader, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	__s32 nr = 0;

	bpf_probe_read_kernel(&nr, sizeof(nr),
			      (char *)pid + bpf_core_field_offset(struct pid, numbers) +
				      (__u64)level * bpf_core_type_size(struct upid) +
				      bpf_core_field_offset(struct upid, nr));
	return nr;
}

/*
 * Naming a file's owner, who gets SIGIO and SIGURG when I/O comes, sent by whoever causes it.
 * Under process.signal: deny a tagged task may name only itself, by value (F_SETOWN with its
 * own pid, or 0 for none): F_SETOWN_EX and the ioctls FIOSETOWN and SIOCSPGRP give the owner in
 * the caller's memory, which the kernel reads again after this hook (another thread could
 * change it in between), so they are refused.
 */
static __always_inline int owner_decide(__s32 pid)
{
	if (pid == 0 || pid == own_tgid_in_ns())
		return 0;
	return signal_decide(NULL, pid > 0 ? pid : 0);
}

/* Naming the daemon as a file's owner is refused where it is asked for (see above for groups). */
SEC("lsm/file_fcntl")
int BPF_PROG(warden_file_fcntl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	struct f_owner_ex ex = {};

	if (ret)
		return ret;
	if (cmd == F_SETOWN) {
		ret = (int)arg > 0 ? pid_guard((int)arg) : 0;
		return ret ? ret : owner_decide((int)arg);
	}
	if (cmd != F_SETOWN_EX)
		return 0;
	if (bpf_probe_read_user(&ex, sizeof(ex), (void *)arg))
		return 0; /* the kernel's own copy fails too: EFAULT */
	ret = ex.type != F_OWNER_PGRP && ex.pid > 0 ? pid_guard(ex.pid) : 0;
	return ret ? ret : signal_decide(NULL, ex.pid > 0 ? ex.pid : 0);
}

/*
 * warden apply, remove and the daemon serialize on a flock of /sys/fs/bpf (loader_lock): a
 * tagged process may not take any lock or lease in the BPF filesystem, so it cannot make them
 * wait forever.
 */
#define BPF_FS_MAGIC 0xcafe4a11

SEC("lsm/file_lock")
int BPF_PROG(warden_file_lock, struct file *file, unsigned int cmd, int ret)
{
	if (ret)
		return ret;
	if (BPF_CORE_READ(file, f_path.dentry, d_sb, s_magic) != BPF_FS_MAGIC)
		return 0;
	return warden_guard(WARDEN_TAMPER_DAEMON);
}

/*
 * The system call the current task is in: orig_ax of the user registers saved at the top of
 * its kernel stack (x86-64: THREAD_SIZE 16 KiB, no padding). bpf_task_pt_regs would say the
 * same, but 5.10 does not have it.
 */
#define THREAD_SIZE 16384
#define NR_UNSHARE 272
#define NR_UNSHARE_32 310

static __always_inline struct pt_regs *current_regs(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return (struct pt_regs *)((char *)BPF_CORE_READ(task, stack) + THREAD_SIZE) - 1;
}

static __always_inline long current_syscall(void)
{
	return BPF_CORE_READ(current_regs(), orig_ax);
}

/* A tamper of class what, unless the policy has allow_flag. */
static __always_inline int tamper_unless(__u32 allow_flag, __u32 what)
{
	struct warden_policy *policy = NULL;
	struct warden_scratch *s = NULL;
	__u32 policy_id = 0;
	int tagged;

	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0)
		return tagged;
	if (policy->flags & allow_flag) {
		warden_count_allowed(policy_id);
		return 0;
	}
	return warden_tamper(s, policy, policy_id, what);
}

static __always_inline int namespace_decide(void)
{
	return tamper_unless(WARDEN_POLICY_NAMESPACES_ALLOW, WARDEN_TAMPER_NAMESPACE);
}

/*
 * unshare(2) has no hook of its own. New namespaces other than user ones need CAP_SYS_ADMIN,
 * asked for in the unshare call itself: refused there, unshare fails with EPERM. (clone with
 * CLONE_NEW* flags is judged in task_alloc, proc.bpf.c.)
 */
#define CAP_SYS_ADMIN 21

#define CAP_DAC_READ_SEARCH 2
#define CAP_SYS_TTY_CONFIG 26

/*
 * System calls that have no LSM hook of their own but ask for a capability first, by their
 * number in the 64-bit table (x32 calls have the same number with bit 30 set) and in the
 * i386 one, which the user code segment of the saved registers tells apart.
 */
#define X32_SYSCALL_BIT 0x40000000
#define USER32_CS 0x23
#define NR_OPEN_BY_HANDLE_AT 304
#define NR_OPEN_BY_HANDLE_AT_32 342
/* the same numbers in both tables: open_tree..fspick, mount_setattr */
#define NR_OPEN_TREE 428
#define NR_FSPICK 433
#define NR_MOUNT_SETATTR 442

static __always_inline int current_compat(void)
{
	return (BPF_CORE_READ(current_regs(), cs) & 0xffff) == USER32_CS;
}

/*
 * open_by_handle_at reaches any file of a filesystem by its handle, with no path the fs rules
 * could judge (cgroup.procs of another cgroup, a file outside a chroot). It asks for
 * CAP_DAC_READ_SEARCH and, since 6.9, falls back to CAP_SYS_ADMIN over the mount: both are
 * refused inside it unless the policy allows file handles.
 */
static __always_inline int handle_decide(void)
{
	return tamper_unless(WARDEN_POLICY_HANDLES_ALLOW, WARDEN_TAMPER_HANDLE);
}

SEC("lsm/capable")
int BPF_PROG(warden_capable, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	long nr;

	if (ret)
		return ret;
	/* vhangup(2): SIGHUP to the session of the caller's terminal, sent as the kernel's own */
	if (cap == CAP_SYS_TTY_CONFIG)
		return signal_decide(NULL, 0);
	if (cap != CAP_SYS_ADMIN && cap != CAP_DAC_READ_SEARCH)
		return 0;
	nr = current_syscall();
	if (cap == CAP_SYS_ADMIN && (nr == NR_UNSHARE || nr == NR_UNSHARE_32))
		return namespace_decide();
	if (current_compat()) {
		if (nr == NR_OPEN_BY_HANDLE_AT_32)
			return handle_decide();
	} else {
		nr &= ~X32_SYSCALL_BIT;
		if (nr == NR_OPEN_BY_HANDLE_AT)
			return handle_decide();
	}
	/*
	 * The new mount API: a detached copy of a tree (open_tree with OPEN_TREE_CLONE), a new
	 * filesystem (fsopen, fsconfig, fsmount), reconfiguring one (fspick) and changing a
	 * mount's flags (mount_setattr) all ask for CAP_SYS_ADMIN (may_mount, mount_capable)
	 * before they do anything.
	 */
	if (cap == CAP_SYS_ADMIN &&
	    ((nr >= NR_OPEN_TREE && nr <= NR_FSPICK) || nr == NR_MOUNT_SETATTR))
		return warden_guard(WARDEN_TAMPER_MOUNT);
	return 0;
}

/* New user namespaces, however made (6.1 and later have this hook)... */
SEC("lsm/userns_create")
int BPF_PROG(warden_userns_create, const struct cred *cred, int ret)
{
	if (ret)
		return ret;
	return namespace_decide();
}

/*
 * ...and on older kernels, unshare(CLONE_NEWUSER) through the credentials it prepares: the
 * only credentials unshare prepares are the new namespace's. The kernel reports this refusal
 * as ENOMEM.
 */
SEC("lsm/cred_prepare")
int BPF_PROG(warden_cred_prepare, struct cred *new, const struct cred *old, gfp_t gfp, int ret)
{
	long nr;

	if (ret)
		return ret;
	nr = current_syscall();
	if (nr != NR_UNSHARE && nr != NR_UNSHARE_32)
		return 0;
	return namespace_decide();
}

/* include/uapi/asm-generic/ioctls.h and linux/kd.h (the same for compat tasks) */
#define TIOCSTI 0x5412
#define TIOCLINUX 0x541C
#define KDSKBENT 0x4B47
#define KDSKBSENT 0x4B49
#define KDSKBDIACR 0x4B4B
#define KDSETKEYCODE 0x4B4D
#define KDSKBDIACRUNI 0x4BFB
#define FIOSETOWN 0x8901
#define SIOCSPGRP 0x8902
#define TIOCSIG 0x40045436
#define TIOCVHANGUP 0x5437

/*
 * Typing into a terminal: TIOCSTI pushes bytes into a terminal's input as if typed there, and
 * TIOCLINUX pastes a virtual console's selection into it (any TIOCLINUX request is refused: its
 * subcode is read from the caller's memory after this hook, so checking it would race). Into
 * the terminal of the shell that ran `warden run`, or any terminal a tagged root task opens,
 * they make an untagged shell run the tagged task's commands: out of the cgroup (bubblewrap's
 * CVE-2017-5226; from 6.2 the kernel can switch TIOCSTI off, dev.tty.legacy_tiocsti). So do,
 * later, a console's keyboard maps rewritten (loadkeys): a key, or a function key's string,
 * made to type what the tagged task chose when the admin presses it. And, under
 * process.signal: deny, naming a file's owner (owner_decide) and TIOCSIG.
 */
static __always_inline int ioctl_decide(struct file *file, unsigned int cmd)
{
	switch (cmd) {
	case FIOSETOWN:
	case SIOCSPGRP: /* a file's owner, given in memory (owner_decide) */
	case TIOCSIG:
	case TIOCVHANGUP: /* the kernel signals the terminal's foreground group, or its session */
		return signal_decide(NULL, 0);
	case TIOCSTI:
	case TIOCLINUX:
	case KDSKBENT:
	case KDSKBSENT:
	case KDSKBDIACR:
	case KDSETKEYCODE:
	case KDSKBDIACRUNI:
		break;
	default:
		return 0;
	}
	if ((file->f_inode->i_mode & S_IFMT) != S_IFCHR)
		return 0; /* only terminals take them */
	return warden_guard(WARDEN_TAMPER_TTY);
}

SEC("lsm/file_ioctl")
int BPF_PROG(warden_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	return ioctl_decide(file, cmd);
}

/* A 32-bit task's ioctl has a hook of its own from 6.8 (and in the stable series since). */
SEC("lsm/file_ioctl_compat")
int BPF_PROG(warden_file_ioctl_compat, struct file *file, unsigned int cmd, unsigned long arg,
	     int ret)
{
	if (ret)
		return ret;
	return ioctl_decide(file, cmd);
}
