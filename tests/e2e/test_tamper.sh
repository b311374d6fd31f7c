# shellcheck shell=bash
# Tamper resistance: a root process in a tagged cgroup cannot switch enforcement off or step
# outside it, whatever its policy allows. Each attempt fails with EPERM and reports op=tamper.

# tamper_policy: a policy that allows everything else
tamper_policy() {
	apply "$(policy tamper <<P
name: tamper
cgroups: [$CG]
P
)"
}

# py CODE [ARGS...]: run python3 in $CG; CODE prints the outcome
py() {
	local code=$1
	shift
	in_cg "$CG" python3 -c "
import ctypes, errno, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
def sys_(nr, *args):
    r = libc.syscall(nr, *args)
    if r == 0 and nr in (56, 435):
        os._exit(0)  # a child that should not exist
    return 'ok' if r >= 0 else errno.errorcode[ctypes.get_errno()]
def try_(f):
    try:
        f()
        return 'ok'
    except OSError as e:
        return errno.errorcode[e.errno]
$code" "$@"
}

t_tamper_leave_cgroup() {
	tamper_policy
	expect_eq "$(py 'print(try_(lambda: open("/sys/fs/cgroup/cgroup.procs", "w").write(str(os.getpid()))))')" \
		"EPERM" "write cgroup.procs"
	expect_event op=tamper what=cgroup comm=python3
	expect_eq "$(py 'print(try_(lambda: open("/sys/fs/cgroup/cgroup.threads", "w")))')" "EPERM" \
		"open cgroup.threads for writing"
	cg_make "$CG/sub"
	expect_eq "$(py 'print(try_(lambda: open(sys.argv[1], "w")))' "$CGROOT$CG/sub/cgroup.procs")" \
		"EPERM" "moving into a child cgroup"
	# clone3 with CLONE_INTO_CGROUP (struct clone_args, version 2: 88 bytes)
	expect_eq "$(py '
fd = os.open("/sys/fs/cgroup", os.O_RDONLY | os.O_DIRECTORY)
args = struct.pack("11Q", 0x200000000, 0, 0, 0, 17, 0, 0, 0, 0, 0, fd)
print(sys_(435, ctypes.c_char_p(args), ctypes.c_size_t(88)))')" "EPERM" "clone3 into another cgroup"
	expect_eq "$(py 'print(try_(lambda: open("/sys/fs/cgroup/cgroup.procs").read()))')" "ok" \
		"reading cgroup.procs"
	grep -qx "0::$CG" "/proc/$$/cgroup" 2>/dev/null && fail "the test shell moved"
	true
}

t_tamper_bpf_and_pins() {
	tamper_policy
	expect_eq "$(py 'print(sys_(321, 0, ctypes.c_char_p(bytes(72)), 72))')" "EPERM" "bpf()"
	expect_event op=tamper what=bpf
	in_cg "$CG" "$W" status >"$T/status.out" 2>&1 && fail "warden status worked in the cgroup"
	expect_contains "$(cat "$T/status.out")" "Operation not permitted" "warden itself, in the cgroup"
	expect_eq "$(py 'print(try_(lambda: os.unlink("/sys/fs/bpf/warden/link_warden_file_open")))')" \
		"EPERM" "unlink a pin"
	expect_event op=tamper what=bpffs
	expect_eq "$(py 'print(try_(lambda: os.mkdir("/sys/fs/bpf/x")))')" "EPERM" "mkdir in bpffs"
	expect_eq "$(py 'print(try_(lambda: os.rename("/sys/fs/bpf/warden", "/sys/fs/bpf/w")))')" \
		"EPERM" "rename the pin directory"
	[ -e /sys/fs/bpf/warden/link_warden_file_open ] || fail "a pin is gone"
}

t_tamper_modules() {
	tamper_policy
	expect_eq "$(py '
fd = os.open("/etc/hostname", os.O_RDONLY)
print(sys_(313, fd, ctypes.c_char_p(b""), 0))')" "EPERM" "finit_module"
	expect_event op=tamper what=module
	expect_eq "$(py 'print(sys_(175, ctypes.c_char_p(b"\0" * 64), 64, ctypes.c_char_p(b"")))')" \
		"EPERM" "init_module"
}

t_tamper_mount_chroot_pivot_root() {
	mkdir -p "$T/m" "$T/outside"
	mount -t tmpfs none "$T/outside" || fail "mount outside the cgroup"
	tamper_policy
	expect_eq "$(py 'print(sys_(165, b"none", sys.argv[1].encode(), b"tmpfs", 0, None))' "$T/m")" \
		"EPERM" "mount"
	expect_event op=tamper what=mount
	expect_eq "$(py 'print(sys_(166, sys.argv[1].encode(), 0))' "$T/outside")" "EPERM" "umount"
	expect_eq "$(py 'print(sys_(165, None, sys.argv[1].encode(), None, 0x20 | 0x1, None))' \
		"$T/outside")" "EPERM" "remount read-only"
	expect_eq "$(py 'print(try_(lambda: os.chroot("/")))')" "EPERM" "chroot"
	expect_event op=tamper what=chroot
	# without warden this is EINVAL ($T is not a mount point), so a failing hook could not
	# pivot the VM's root away: the hook comes first
	expect_eq "$(py 'print(sys_(155, sys.argv[1].encode(), sys.argv[1].encode()))' "$T")" \
		"EPERM" "pivot_root"
	umount "$T/outside"
}

t_tamper_namespaces() {
	local userns=EPERM
	# 5.10 has no userns_create hook: unshare's credentials are refused, which it reports as ENOMEM
	case "$(uname -r)" in 5.10.*) userns=ENOMEM ;; esac
	tamper_policy
	expect_eq "$(py 'print(sys_(272, 0x00020000))')" "EPERM" "unshare(CLONE_NEWNS)"
	expect_event op=tamper what=namespace
	expect_eq "$(py 'print(sys_(272, 0x10000000))')" "$userns" "unshare(CLONE_NEWUSER)"
	expect_eq "$(py 'print(sys_(272, 0x10000000 | 0x00020000))')" "$userns" \
		"unshare(CLONE_NEWUSER | CLONE_NEWNS)"
	expect_eq "$(py 'print(sys_(56, 0x10000000 | 17, 0, 0, 0, 0))')" "EPERM" \
		"clone(CLONE_NEWUSER)"
	expect_eq "$(py 'print(sys_(56, 0x00020000 | 17, 0, 0, 0, 0))')" "EPERM" "clone(CLONE_NEWNS)"
	expect_eq "$(py 'print(sys_(272, 0x00000400))')" "ok" "unshare(CLONE_FILES) is not guarded"
	apply "$(policy tamper <<P
name: tamper
cgroups: [$CG]
process: { namespaces: allow }
P
)"
	expect_eq "$(in_cg "$CG" unshare -U true && echo ok)" "ok" "a user namespace a policy allows"
	expect_eq "$(in_cg "$CG" unshare -m --propagation unchanged true && echo ok)" "ok" \
		"a mount namespace a policy allows"
	# mounting in it is still refused
	expect_eq "$(py 'print(sys_(165, b"none", b"/mnt", b"tmpfs", 0, None))')" "EPERM" "mount"
}

# io_uring is allowed, but its requests are judged like system calls, also when the kernel
# runs them in its io-wq workers (IOSQE_ASYNC), which belong to the same cgroup.
t_io_uring_is_judged() {
	local d=/tmp/e2e-uring
	mkdir -p "$d"
	echo x >"$d/secret"
	echo x >"$d/open"
	apply "$(policy uring <<P
name: uring
cgroups: [$CG]
fs: { deny: [$d/secret] }
P
)"
	expect_eq "$(py '
import mmap
def uring_open(path, sqe_flags):
    params = ctypes.create_string_buffer(120)
    fd = libc.syscall(425, 4, params)
    if fd < 0:
        return "setup:" + errno.errorcode[ctypes.get_errno()]
    sq_entries, cq_entries = struct.unpack_from("II", params, 0)
    sq_off = struct.unpack_from("8I", params, 40)
    cq_off = struct.unpack_from("8I", params, 80)
    prot, flags = mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_SHARED
    sq = mmap.mmap(fd, sq_off[6] + sq_entries * 4, flags, prot, offset=0)
    cq = mmap.mmap(fd, cq_off[5] + cq_entries * 16, flags, prot, offset=0x8000000)
    sqes = mmap.mmap(fd, sq_entries * 64, flags, prot, offset=0x10000000)
    name = ctypes.create_string_buffer(path.encode())
    # IORING_OP_OPENAT: fd = AT_FDCWD, addr = path, len = mode, open_flags
    struct.pack_into("BBHiQQII", sqes, 0, 18, sqe_flags, 0, -100, 0,
                     ctypes.addressof(name), 0, os.O_RDONLY)
    struct.pack_into("Q", sqes, 32, 7)
    tail = struct.unpack_from("I", sq, sq_off[1])[0]
    mask = struct.unpack_from("I", sq, sq_off[2])[0]
    struct.pack_into("I", sq, sq_off[6] + 4 * (tail & mask), 0)
    struct.pack_into("I", sq, sq_off[1], tail + 1)
    if libc.syscall(426, fd, 1, 1, 1, None, 0) < 0:
        return "enter:" + errno.errorcode[ctypes.get_errno()]
    head = struct.unpack_from("I", cq, cq_off[0])[0]
    cmask = struct.unpack_from("I", cq, cq_off[2])[0]
    res = struct.unpack_from("qi", cq, cq_off[5] + 16 * (head & cmask))[1]
    os.close(fd)
    return "ok" if res >= 0 else errno.errorcode[-res]
for path in sys.argv[1:]:
    print(uring_open(path, 0), uring_open(path, 16))
' "$d/open" "$d/secret")" "ok ok
EPERM EPERM" "openat through io_uring, inline and in a worker"
	expect_event op=fs.read path="$d/secret" policy=uring
}

# Typing into a terminal (TIOCSTI, and TIOCLINUX's selection paste on a console): into the
# terminal of the shell that ran `warden run`, or any terminal a tagged root task opens, it has
# that untagged shell run commands outside the cgroup.
t_tamper_tty() {
	tamper_policy
	expect_eq "$("$WTRY" tty sti)" "ok" "TIOCSTI outside the cgroup"
	expect_eq "$(wtry_in "$CG" tty sti)" "EPERM" "TIOCSTI"
	expect_event op=tamper what=tty
	expect_eq "$(wtry_in "$CG" tty sti32)" "EPERM" "TIOCSTI through the 32-bit system call"
	expect_eq "$(wtry_in "$CG" --uid 65534 tty sti)" "EPERM" "TIOCSTI as uid 65534"
	expect_eq "$("$WTRY" tty linux)" "ENOTTY" "TIOCLINUX on a pty outside the cgroup"
	expect_eq "$(wtry_in "$CG" tty linux)" "EPERM" "TIOCLINUX"
	[ "$("$WTRY" tty keymap)" != EPERM ] || fail "KDSKBSENT on a pty outside the cgroup"
	expect_eq "$(wtry_in "$CG" tty keymap)" "EPERM" "KDSKBSENT (a function key's string)"
	# allowing everything a policy can allow (the pty, the child) leaves TIOCSTI refused
	expect_eq "$("$W" run --allow-all -- "$WTRY" tty sti 2>"$T/run.err")" "EPERM" \
		"TIOCSTI under warden run: $(cat "$T/run.err")"
	expect_contains "$(cat "$T/run.err")" "denied tamper tty (wtry" "warden run's report"
}
