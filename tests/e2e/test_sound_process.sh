# shellcheck shell=bash
# Processes outside the policy, the control plane and full maps (issue 8, section 3): a root
# process in a tagged cgroup whose policy allows everything else cannot reach into a process
# its policy does not confine, cannot stop, starve or reconfigure the daemon, and is not left
# unconfined when warden's maps are full.

WPROC="$REPO/build/tests/wproc"
PIN=/sys/fs/bpf/warden

# sound_policy CGROUP: a policy that allows everything
sound_policy() {
	apply "$(policy sound <<P
name: sound
cgroups: [$1]
P
)"
}

# expect_lines OUTPUT EXPECTED WHAT: OUTPUT and EXPECTED (lines "NAME RESULT") are equal
expect_lines() {
	[ "$1" = "$2" ] || fail "$3: expected
$2
got
$1"
}

# outside_processes: in the caller's variables outside and nobody, sleepers outside the policy
# (as root, as uid 65534), killed at exit with inside's; the test's cgroup under sound_policy
outside_processes() {
	sleep 1000 &
	outside=$!
	setpriv --reuid 65534 --regid 65534 --clear-groups sleep 1000 &
	nobody=$!
	# shellcheck disable=SC2064
	trap "kill $outside $nobody \$inside 2>/dev/null" EXIT
	sound_policy "$CG"
}

# process.signal: deny: signals only to the policy's own processes, however sent; a file's owner
# (who gets SIGIO) only the caller itself, by value; no TIOCSIG
t_sound_process_signal() {
	local out inside outside nobody all_ok owners
	outside_processes
	# whoever the target: a file's owner only itself by value, no terminal signals
	owners="f_setown_self ok
f_setown_ex_self EPERM
fiosetown_self EPERM
tiocsig EPERM
tiocvhangup EPERM
vhangup EPERM"
	all_ok="kill0 ok
kill ok
tgkill ok
sigqueue ok
pidfd_send_signal ok
f_setown ok
f_setown_self ok
f_setown_ex_self ok
fiosetown_self ok
tiocsig ok
tiocvhangup ok
vhangup ok"
	expect_lines "$(in_cg "$CG" setsid -w "$WPROC" signal "$outside")" "$all_ok" "without process.signal"
	apply "$(policy sound <<P
name: sound
cgroups: [$CG]
process: {signal: deny}
P
)"
	bg_in "$CG" sleep 1000
	inside=$BG_PID
	out=$(in_cg "$CG" setsid -w "$WPROC" signal "$outside")
	expect_lines "$out" "kill0 EPERM
kill EPERM
tgkill EPERM
sigqueue EPERM
pidfd_send_signal EPERM
f_setown EPERM
$owners" "signals to a process outside the policy"
	expect_event op=signal target="$outside" uid=0 action=deny
	expect_eq "$(event_count op=signal uid=0)" 11 "an event for each refusal"
	out=$(in_cg "$CG" setsid -w "$WPROC" signal "$inside")
	expect_lines "$out" "kill0 ok
kill ok
tgkill ok
sigqueue ok
pidfd_send_signal ok
f_setown EPERM
$owners" "signals to the policy's own process"
	# as uid 65534, to a process of the same uid
	out=$(in_cg "$CG" setpriv --reuid 65534 --regid 65534 --clear-groups setsid -w "$WPROC" signal "$nobody")
	expect_contains "$out" "kill EPERM" "uid 65534"
	expect_event op=signal target="$nobody" uid=65534
	kill -0 "$outside" "$nobody" "$inside" || fail "a process died"
}

t_sound_process_outside_policy() {
	local out inside outside nobody
	outside_processes
	bg_in "$CG" sleep 1000
	inside=$BG_PID
	out=$(in_cg "$CG" "$WPROC" peek "$outside")
	# the kernel reports a refusal of the /proc views as EACCES (ptrace_may_access is a bool)
	expect_lines "$out" "ptrace EPERM
pidfd_getfd EPERM
process_vm_readv EPERM
process_vm_writev EPERM
proc_mem EACCES
proc_environ EACCES
proc_maps EACCES
proc_fd EACCES" "a process outside the policy"
	expect_event op=tamper what=process target="$outside" uid=0
	kill -0 "$outside" || fail "the process outside died"
	expect_eq "$(in_cg "$CG" cut -d' ' -f3 "/proc/$outside/stat")" "S" \
		"what ps reads of it (the kernel only leaves fields out)"

	# the same, as uid 65534 against a process of the same uid
	out=$(in_cg "$CG" setpriv --reuid 65534 --regid 65534 --clear-groups "$WPROC" peek "$nobody")
	expect_contains "$out" "process_vm_readv EPERM" "uid 65534"
	expect_event op=tamper what=process target="$nobody" uid=65534

	# process.ptrace governs the policy's own processes; allowed here
	out=$(in_cg "$CG" "$WPROC" peek "$inside")
	expect_lines "$out" "ptrace ok
pidfd_getfd ok
process_vm_readv ok
process_vm_writev ok
proc_mem ok
proc_environ ok
proc_maps ok
proc_fd ok" "a process of the same policy"
	kill -0 "$inside" || fail "the traced process died"
}

# r CMD...: run CMD and print ok, EPERM, or its message
r() {
	local out
	if out=$("$@" 2>&1); then
		echo ok
	else
		case $out in
		*"Operation not permitted"*) echo EPERM ;;
		*) echo "$out" ;;
		esac
	fi
}

# starve_refused OUT WHAT: `wproc starve` was refused every way
starve_refused() {
	expect_lines "$1" "kill EPERM
pidfd_send_signal EPERM
f_setown EPERM
f_setown_ex EPERM
prlimit EPERM
setpriority EPERM
sched_setscheduler EPERM
ioprio_set EPERM" "$2"
}

# The warden command holding warden's lock is one of warden's own processes too: a tagged root
# process that stopped it would keep every later apply, remove and the daemon's syncs waiting.
t_sound_process_lock_holder() {
	local out pid tracer blocked _
	apply "$(policy holder <<P
name: holder
cgroups: [$CG]
P
)"
	policy holder2 >/dev/null <<P
name: holder
cgroups: [$CG]
fs: { deny: [/nonexistent] }
P
	# a replace that waits 5 s at its fifth bpf() call, holding the lock; run through the dynamic
	# loader, so it is not warden's executable (t_sound_process_warden_commands) that protects it
	strace -f -o /dev/null -e trace=bpf -e inject=bpf:delay_enter=5000000:when=5 \
		/lib64/ld-linux-x86-64.so.2 "$W" apply "$T/holder2.yaml" >"$T/other.out" 2>&1 &
	tracer=$!
	for _ in $(seq 100); do
		pid=$(pgrep -P "$tracer" -x ld-linux-x86-64) && [ "$(lock_holder)" = "$pid" ] && break
		sleep 0.05
	done
	[ -n "$pid" ] && [ "$(lock_holder)" = "$pid" ] || fail "the apply never held the lock"
	out=$(in_cg "$CG" "$WPROC" starve "$pid")
	starve_refused "$out" "stop or starve the warden command holding the lock"
	expect_event op=tamper what=daemon target="$pid"
	# nor may a terminal stop it (a tagged program sharing it can make another group the
	# foreground one): SIGTSTP, SIGTTIN and SIGTTOU (signals 20-22) are blocked while it holds
	# the lock
	blocked=$(awk '/^SigBlk:/ { print $2 }' "/proc/$pid/status")
	(((0x$blocked & 0x380000) == 0x380000)) || fail "stop signals not blocked: SigBlk $blocked"
	wait "$tracer" || fail "the apply failed: $(cat "$T/other.out")"
	expect_eq "$(lock_holder)" "0" "the holder once the lock is released"
}

# Every process running warden's executable is one of warden's own from its exec on: before it
# takes the lock (an apply stopped while it reads its policy would keep the old one in force),
# or without taking it at all (`warden events --follow` of a security agent). By the file's
# identity: a copy of it elsewhere is no warden process.
t_sound_process_warden_commands() {
	local out pid copy=$T/copy/warden w _
	sound_policy "$CG" # the apply records its executable
	mkdir -p "$T/copy" && cp "$W" "$copy"
	for w in "$W" "$copy"; do
		"$w" events --follow >/dev/null 2>&1 &
		pid=$!
		for _ in $(seq 100); do
			[ "$(readlink "/proc/$pid/exe")" = "$w" ] && break
			sleep 0.05
		done
		# stopped by an untagged sender (allowed): it reads no event the test looks for
		kill -STOP "$pid"
		out=$(in_cg "$CG" "$WPROC" starve "$pid")
		if [ "$w" = "$W" ]; then
			# naming it a file's owner is judged where SIGIO is sent, by its executable
			expect_lines "$out" "kill EPERM
pidfd_send_signal EPERM
f_setown ok
f_setown_ex ok
prlimit EPERM
setpriority EPERM
sched_setscheduler EPERM
ioprio_set EPERM" "stop or starve warden events --follow"
			expect_event op=tamper what=daemon target="$pid"
			expect_eq "$(sigio_pending "$pid")" "no" "SIGIO to warden events"
		else
			expect_contains "$out" "kill ok" "a copy of warden, stopped by a tagged process"
			expect_no_event op=tamper target="$pid"
			expect_eq "$(sigio_pending "$pid")" "yes" "SIGIO to a copy of warden"
		fi
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null || true
	done
}

# sigio_pending PID: whether SIGIO, sent to the stopped process PID from the test's cgroup
# through a file it was made the owner of, is pending there
sigio_pending() {
	in_cg "$CG" "$WPROC" sigio-pid "$1" >/dev/null
	local mask
	for mask in $(awk '/^(SigPnd|ShdPnd):/ { print $2 }' "/proc/$1/status"); do
		# SIGIO is signal 29: bit 28 of the pending masks
		((0x$mask & 0x10000000)) && echo yes && return
	done
	echo no
}

# lock_holder: the tgid warden_daemon records as the holder of warden's lock (its BTF gives
# bpftool the value as a number)
lock_holder() {
	bpftool -j map lookup pinned /sys/fs/bpf/warden/warden_daemon key 1 0 0 0 |
		sed -n 's/.*"value":\([0-9]*\).*/\1/p'
}

t_sound_process_daemon() {
	local dir=$T/policies dcg=${CG}-daemon out DPID
	mkdir -p "$dir" "$CGROOT$dcg"
	printf 'name: sound\ncgroups: [%s]\n' "$CG" >"$dir/a.yaml"
	# the daemon in a cgroup of its own, leading its own process group
	bash -c 'echo $BASHPID >"$0/cgroup.procs" && exec setsid "$@"' "$CGROOT$dcg" \
		"$W" daemon --policy-dir "$dir" >"$T/d.out" 2>"$T/d.err" &
	DPID=$!
	# shellcheck disable=SC2064
	trap "kill -9 $DPID 2>/dev/null" EXIT
	wait_for "$T/d.err" "applied policy 'sound'"
	expect_eq "$(cat "/proc/$DPID/comm")" "warden" "the daemon's pid"

	out=$(in_cg "$CG" "$WPROC" starve "$DPID")
	starve_refused "$out" "stop or starve the daemon"
	wait_for "$T/d.out" '"what":"daemon"'
	# SIGIO to its process group: the owner is a group, so the signal itself is refused
	out=$(in_cg "$CG" "$WPROC" sigio "$DPID")
	expect_lines "$out" "f_setown_pgrp ok
write ok" "SIGIO to the daemon's group"
	kill -0 "$DPID" || fail "SIGIO killed the daemon"

	# its cgroup: control files and children; the writer's own cgroup stays writable
	# (5.10 has no cgroup.kill: it came in 5.14)
	[ ! -e "$CGROOT$dcg/cgroup.kill" ] ||
		expect_eq "$(wtry_in "$CG" open "$CGROOT$dcg/cgroup.kill" w)" "EPERM" "cgroup.kill"
	expect_eq "$(wtry_in "$CG" open "$CGROOT$dcg/cgroup.freeze" w)" "EPERM" "cgroup.freeze"
	expect_eq "$(wtry_in "$CG" open "$CGROOT$dcg/cgroup.max.descendants" w)" "EPERM" \
		"a limit of the daemon's cgroup"
	expect_eq "$(wtry_in "$CG" open "$CGROOT/cgroup.subtree_control" w)" "EPERM" "the root's"
	expect_eq "$(wtry_in "$CG" open "$CGROOT$CG/cgroup.max.descendants" w)" "ok" "its own"
	out=$(in_cg "$CG" bash -c "$(declare -f r)
		r mkdir '$CGROOT$dcg/x'; r mkdir '$CGROOT$CG/x'; r rmdir '$CGROOT$CG/x'")
	expect_lines "$out" "EPERM
ok
ok" "cgroups below the daemon's, and its own"

	# the policy directory and the directories above it; the lock
	out=$(in_cg "$CG" bash -c "$(declare -f r)"'
		r touch "$1/policies/new.yaml"
		r bash -c "echo >>$1/policies/a.yaml"
		r truncate -s 0 "$1/policies/a.yaml"
		r chmod 600 "$1/policies/a.yaml"
		r rm "$1/policies/a.yaml"
		r mv "$1/policies/a.yaml" "$1/policies/b.yaml"
		r mv "$1/policies/a.yaml" "$1/b.yaml"
		r ln "$1/policies/a.yaml" "$1/hard"
		r ln -s /etc/passwd "$1/policies/s.yaml"
		r mv "$1/policies" "$1/p2"
		r rmdir "$1/policies"
		r mv "$1" "$1-moved"
		r touch "$1/beside"' _ "$T")
	expect_lines "$out" "EPERM
EPERM
EPERM
EPERM
EPERM
EPERM
EPERM
EPERM
EPERM
EPERM
EPERM
EPERM
ok" "the daemon's policy directory"
	expect_eq "$(cat "$dir/a.yaml")" "name: sound
cgroups: [$CG]" "the policy file"
	out=$(in_cg "$CG" "$WPROC" lock /sys/fs/bpf)
	expect_lines "$out" "flock EPERM
fcntl_lock EPERM
ofd_lock EPERM" "warden's lock"
	expect_lines "$("$WPROC" lock /sys/fs/bpf)" "flock ok
fcntl_lock ok
ofd_lock ok" "the lock outside"
	kill -0 "$DPID" || fail "the daemon died"
	# and it still works: a change is applied
	printf 'name: sound\ncgroups: [%s]\nfs: { deny: [/etc/hostname] }\n' "$CG" >"$dir/a.yaml"
	for _ in $(seq 100); do
		[ "$(wtry_in "$CG" open /etc/hostname)" = EPERM ] && break
		sleep 0.3
	done
	expect_eq "$(wtry_in "$CG" open /etc/hostname)" "EPERM" "a change the daemon applied"
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null
	true
}

t_sound_process_full_maps() {
	local out
	# shellcheck disable=SC2064
	trap "'$WPROC' drain $PIN/warden_cgroups 8; '$WPROC' drain $PIN/warden_loader 4;
		'$WPROC' set $PIN/warden_overflow 0" EXIT
	sound_policy "$CG"
	out=$("$WPROC" fill $PIN/warden_cgroups 8 8)
	expect_contains "$out" "E2BIG" "filling warden_cgroups"
	cg_make "$CG/sub"
	expect_eq "$(wtry_in "$CG/sub" open /etc/hostname)" "EPERM" "a new cgroup whose tag was lost"
	expect_event op=tamper what=state policy=sound
	expect_eq "$(wtry_in "$CG" open /etc/hostname)" "ok" "its parent, tagged"
	expect_eq "$("$WTRY" open /etc/hostname)" "ok" "an untagged process"
	"$WPROC" drain $PIN/warden_cgroups 8 || fail "draining warden_cgroups"
	"$WPROC" set $PIN/warden_overflow 0
	# room again: a cgroup made now is tagged as its parent is
	cg_make "$CG/sub2"
	in_cg "$CG/sub2" "$W" status >"$T/status.out" 2>&1 && fail "bpf() worked in a new cgroup"
	expect_contains "$(cat "$T/status.out")" "Operation not permitted" "warden status in a new cgroup"
	expect_event op=tamper what=bpf policy=sound

	# a dynamic loader run directly whose program cannot be recorded: killed before it runs
	out=$("$WPROC" fill $PIN/warden_loader 4 4)
	expect_contains "$out" "E2BIG" "filling warden_loader"
	in_cg "$CG" /lib64/ld-linux-x86-64.so.2 /bin/true
	expect_eq "$?" "137" "ld.so /bin/true"
	expect_event op=tamper what=state comm=ld-linux-x86-64
	expect_eq "$(in_cg "$CG" /bin/true && echo ok)" "ok" "an ordinary exec"
	"$WPROC" drain $PIN/warden_loader 4 || fail "draining warden_loader"
	in_cg "$CG" /lib64/ld-linux-x86-64.so.2 /bin/true || fail "ld.so /bin/true once there is room"
}
