# shellcheck shell=bash
# The daemon: keeps the policies equal to a directory's, live; enforcement survives it.

# start_daemon DIR LOG: the daemon in the background, outside every tagged cgroup
start_daemon() {
	"$W" daemon --policy-dir "$1" >"$2.out" 2>"$2.err" &
	DPID=$!
	# shellcheck disable=SC2064
	trap "kill -9 $DPID 2>/dev/null" EXIT
}

t_daemon_applies_watches_and_survives() {
	local d=/tmp/e2e-daemon dir=$T/policies ino out
	mkdir -p "$d" "$dir"
	echo x >"$d/secret"
	echo x >"$d/other"
	cat >"$dir/a.yaml" <<P
name: d-a
cgroups: [$CG]
fs: { deny: [$d/secret] }
P
	start_daemon "$dir" "$T/d1"
	wait_for "$T/d1.err" "applied policy 'd-a'"
	expect_eq "$(wtry_in "$CG" open "$d/secret")" "EPERM" "a policy from the directory"
	wait_for "$T/d1.out" "\"path\":\"$d/secret\""
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/d1.out" ||
		fail "the daemon's stdout is not JSON lines"

	# a change is applied live
	sed -i "s|$d/secret|$d/other|" "$dir/a.yaml"
	wait_for "$T/d1.err" "applied policy 'd-a' from $dir/a.yaml" 30
	wait_denied "$CG" "$d/other"
	expect_eq "$(wtry_in "$CG" open "$d/other")" "EPERM" "the changed policy"
	expect_eq "$(wtry_in "$CG" open "$d/secret")" "ok" "the old rule is gone"

	# an invalid file is reported with its position and skipped; the last good version stays
	printf 'name: d-a\ncgroups: [%s]\nfs: { deny: [relative] }\n' "$CG" >"$dir/a.yaml"
	wait_for "$T/d1.err" "a.yaml:3:14: fs.deny 'relative' is not an absolute path"
	wait_for "$T/d1.err" "policy 'd-a' stays as it was"
	expect_eq "$(wtry_in "$CG" open "$d/other")" "EPERM" "the last good version"
	printf 'name: d-b\ncgroups: [%s]\n' "$CG" >"$dir/b.yaml"
	wait_for "$T/d1.err" "b.yaml:2:11: cgroup '$CG' is already bound to installed policy 'd-a'"
	expect_eq "$(wtry_in "$CG" open "$d/other")" "EPERM" "nothing else disturbed"
	rm "$dir/b.yaml"

	# SIGHUP re-reads; the daemon may not be signalled or traced from a tagged cgroup
	kill -HUP "$DPID"
	wait_for "$T/d1.err" "SIGHUP: re-reading"
	expect_eq "$(in_cg "$CG" bash -c "kill -TERM $DPID 2>/dev/null && echo ok || echo EPERM")" \
		"EPERM" "signal the daemon"
	expect_eq "$(wtry_in "$CG" ptrace "$DPID")" "EPERM" "ptrace the daemon"
	wait_for "$T/d1.out" '"what":"daemon"'
	kill -0 "$DPID" || fail "the daemon died"

	# SIGKILL: enforcement goes on; a new daemon adopts without reloading anything
	ino=$(stat -c %i /sys/fs/bpf/warden/link_warden_file_open)
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null
	expect_eq "$(wtry_in "$CG" open "$d/other")" "EPERM" "after the daemon was killed"
	start_daemon "$dir" "$T/d2"
	wait_for "$T/d2.err" "watching $dir"
	sleep 1
	grep -q "applied policy" "$T/d2.err" && fail "the new daemon re-applied: $(cat "$T/d2.err")"
	expect_eq "$(stat -c %i /sys/fs/bpf/warden/link_warden_file_open)" "$ino" "the same programs"
	expect_eq "$(wtry_in "$CG" open "$d/other")" "EPERM" "adopted"

	# a removed file removes its policy; SIGTERM leaves enforcement in place
	cg_make "$CG/c"
	cat >"$dir/c.yaml" <<P
name: d-c
cgroups: [$CG/c]
fs: { deny: [$d/secret] }
P
	wait_for "$T/d2.err" "applied policy 'd-c'"
	rm "$dir/c.yaml"
	wait_for "$T/d2.err" "removed policy 'd-c'"
	kill -TERM "$DPID"
	wait "$DPID" || fail "the daemon did not exit cleanly on SIGTERM"
	expect_eq "$(wtry_in "$CG" open "$d/other")" "EPERM" "after SIGTERM"
	out=$("$W" status)
	expect_contains "$out" "policy d-a" "status after the daemon"
}

# A new build whose BPF programs differ replaces them without a moment unguarded.
t_upgrade_keeps_enforcing() {
	local d=/tmp/e2e-upgrade before after out
	mkdir -p "$d"
	echo x >"$d/secret"
	echo x >"$d/open"
	apply "$(policy upgrade <<P
name: upgrade
cgroups: [$CG]
fs: { deny: [$d/secret] }
P
)"
	before=$(bpftool link show pinned /sys/fs/bpf/warden/link_warden_file_open | head -n 1)
	# one open at a time rather than a tight loop: a 5.10 guest under TCG once locked up
	# (soft lockup in warden) while trampolines were rewritten under a CPU spinning through them
	(
		end=$((SECONDS + 6))
		while [ $SECONDS -lt $end ]; do
			wtry_in "$CG" open "$d/secret"
			wtry_in "$CG" open "$d/open" | sed 's/^/open /'
		done
	) >"$T/loop.out" &
	sleep 1
	out=$("$REPO/build/tests/warden-next" load 2>&1) || fail "the new build's load failed: $out"
	expect_contains "$out" "from another build of warden: replacing them" "upgrade"
	after=$(bpftool link show pinned /sys/fs/bpf/warden/link_warden_file_open | head -n 1)
	[ "${before%%:*}" != "${after%%:*}" ] || fail "the link was not replaced: $after"
	"$REPO/build/tests/warden-next" apply "$T/upgrade.yaml" >/dev/null || fail "apply after upgrade"
	wait
	grep -qx "ok" "$T/loop.out" && fail "an open was allowed during the upgrade: $(sort "$T/loop.out" | uniq -c)"
	grep -qx "EPERM" "$T/loop.out" || fail "the loop did not run: $(cat "$T/loop.out")"
	grep -q "^open EPERM" "$T/loop.out" && fail "an allowed open was denied: $(sort "$T/loop.out" | uniq -c)"
	expect_eq "$(ls /sys/fs/bpf/warden | grep -c '^new_')" "0" "no temporary pins left"
	[ -e /sys/fs/bpf/warden/prog_warden_file_open ] || fail "the program is not pinned"
	expect_eq "$(wtry_in "$CG" open "$d/secret")" "EPERM" "after the upgrade"
	# and back
	"$W" load >/dev/null 2>&1 || fail "downgrade"
	expect_eq "$(wtry_in "$CG" open "$d/secret")" "EPERM" "after going back"
	expect_contains "$("$W" status)" "policy upgrade" "the policy survived"
}

t_layout_version_refused() {
	local key val out
	apply "$(policy layout <<P
name: layout
cgroups: [$CG]
P
)"
	# warden_config's first 4 bytes are the layout version
	val=$(bpftool map lookup pinned /sys/fs/bpf/warden/warden_config key 0 0 0 0 -j |
		python3 -c 'import json,sys; print(" ".join(str(int(b, 16)) for b in json.load(sys.stdin)["value"]))')
	key="0 0 0 0"
	# shellcheck disable=SC2086
	bpftool map update pinned /sys/fs/bpf/warden/warden_config key $key value 99 0 0 0 ${val#* * * * } ||
		fail "cannot fake a layout version"
	out=$("$W" apply "$T/layout.yaml" 2>&1) && fail "a foreign layout was accepted"
	expect_contains "$out" "has layout version 99; this build understands version" "refusal"
	# shellcheck disable=SC2086
	bpftool map update pinned /sys/fs/bpf/warden/warden_config key $key value $val
	apply "$T/layout.yaml"
}
