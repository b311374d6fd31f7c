# shellcheck shell=bash
# cgroup patterns (issue 11, section 1): `cgroups:` entries with `*` and `**`, bound at apply
# and at mkdir (before any process can enter), the most specific binding winning, `warden
# check` and `apply` refusing two policies whose patterns tie, and bindings that wait for
# cgroups that do not exist yet. Every cgroup the tests make is below $CG, which the tests
# remove deepest first (and the runner's cleanup_state removes again).

cgp_cleanup() {
	find "$CGROOT$CG" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
}

# cgp_denied CGROUP POLICY: a process started in CGROUP cannot open /etc/hostname, and the
# event names it, CGROUP and POLICY
cgp_denied() {
	local out pid
	out=$(try_in "$1" open /etc/hostname)
	pid=${out%% *}
	expect_eq "${out#* }" "EPERM" "open /etc/hostname in $1"
	expect_event action=deny op=fs.read policy="$2" cgroup="$1" pid="$pid" path=/etc/hostname
}

# cgp_new_denied CGROUP POLICY FILE: create CGROUP (its parent exists) and at once start a
# process in it (wtry joins it itself) whose first open, of FILE, POLICY must refuse
cgp_new_denied() {
	mkdir "$CGROOT$1" || fail "cannot create cgroup $1"
	expect_eq "$("$WTRY" --cgroup "$CGROOT$1" open "$3")" "EPERM" "first open of $3 in the new $1"
	expect_event action=deny op=fs.read policy="$2" cgroup="$1" path="$3" comm=wtry
}

# cgp_no_event_in CGROUP...: no drained event names any of the CGROUPs (one drain for all)
cgp_no_event_in() {
	local c
	events
	for c in "$@"; do
		[ "$(event_count cgroup="$c")" -eq 0 ] || fail "unexpected event in $c: $(cat "$T/events.json")"
	done
}

# cgp_status_of NAME: the text status lines of policy NAME
cgp_status_of() {
	"$W" status | awk -v n="$1" '/^policy /{p = ($2 == n)} p'
}

# cgp_json_of NAME: the JSON status object of policy NAME (its fields hold no '}')
cgp_json_of() {
	"$W" status --json | grep -o "{\"name\":\"$1\"[^}]*}"
}

t_cgroup_pattern_services() {
	trap cgp_cleanup EXIT
	cg_make "$CG/before.service/child" "$CG/x.scope"
	apply "$(policy services <<P
name: services
cgroups: [$CG/*.service]
fs: { deny: [/etc/hostname] }
P
)"
	cg_make "$CG/after.service/nested" "$CG/x.scope/y.service" "$CG/after.service.d"
	# before apply, after apply, and below each: the pattern's policy
	cgp_denied "$CG/before.service" services
	cgp_denied "$CG/before.service/child" services
	cgp_denied "$CG/after.service" services
	cgp_denied "$CG/after.service/nested" services
	# '*' stays within one component and the pattern is anchored at both ends
	expect_eq "$(in_cg "$CG/x.scope" "$WTRY" open /etc/hostname)" "ok" "a sibling x.scope"
	expect_eq "$(in_cg "$CG/x.scope/y.service" "$WTRY" open /etc/hostname)" "ok" \
		"a .service one level deeper than '*' reaches"
	expect_eq "$(in_cg "$CG/after.service.d" "$WTRY" open /etc/hostname)" "ok" \
		"a name that only starts like the pattern"
	expect_eq "$(in_cg "$CG" "$WTRY" open /etc/hostname)" "ok" "the parent of the matches"
	cgp_no_event_in "$CG/x.scope" "$CG/x.scope/y.service" "$CG/after.service.d" "$CG"
	# an unprivileged process, in a matched cgroup and outside
	expect_eq "$(in_cg "$CG/after.service" setpriv --reuid 65534 --regid 65534 --clear-groups \
		"$WTRY" open /etc/hostname)" "EPERM" "uid 65534 in $CG/after.service"
	expect_event action=deny policy=services cgroup="$CG/after.service" uid=65534 path=/etc/hostname
	expect_eq "$(in_cg "$CG/x.scope" setpriv --reuid 65534 --regid 65534 --clear-groups \
		"$WTRY" open /etc/hostname)" "ok" "uid 65534 in $CG/x.scope"
}

t_cgroup_pattern_nested_scopes() {
	local K="$CG/kubepods.slice"
	local be="$CG/kubepods.slice/kubepods-besteffort.slice"
	local bu="$CG/kubepods.slice/kubepods-burstable.slice"
	trap cgp_cleanup EXIT
	cg_make "$K/pinned.slice/cri-containerd-pinned.scope"
	# three policies that all can take $bu/.../cri-containerd-X.scope: the exact path beats
	# every pattern, and the pattern with more literal bytes beats the shorter one
	apply "$(policy pods <<P
name: pods
cgroups: [$K/**/cri-containerd-*.scope]
fs: { deny: [/etc/hostname] }
P
)" "$(policy burstable <<P
name: burstable
cgroups: [$bu/**/cri-containerd-*.scope]
fs: { deny: [/etc/group] }
P
)" "$(policy pinned <<P
name: pinned
cgroups: [$K/pinned.slice/cri-containerd-pinned.scope]
fs: { deny: [/etc/passwd] }
P
)"
	cg_make "$be/kubepods-besteffort-pod1.slice" "$bu/kubepods-burstable-pod2.slice"
	# created after apply, at depth 1 ('/**/' as no level) and 3: the first open is confined
	cgp_new_denied "$K/cri-containerd-aaa.scope" pods /etc/hostname
	cgp_new_denied "$be/kubepods-besteffort-pod1.slice/cri-containerd-bbb.scope" pods /etc/hostname
	expect_eq "$("$WTRY" --cgroup "$CGROOT$be/kubepods-besteffort-pod1.slice/cri-containerd-bbb.scope" \
		--uid 65534 open /etc/hostname)" "EPERM" "uid 65534 in a depth-3 scope"
	expect_event action=deny policy=pods uid=65534 \
		cgroup="$be/kubepods-besteffort-pod1.slice/cri-containerd-bbb.scope"
	# the more specific pattern wins, and only its rules apply
	cgp_new_denied "$bu/kubepods-burstable-pod2.slice/cri-containerd-ccc.scope" burstable /etc/group
	expect_eq "$(in_cg "$bu/kubepods-burstable-pod2.slice/cri-containerd-ccc.scope" "$WTRY" \
		open /etc/hostname)" "ok" "the less specific pattern's rules in a burstable scope"
	# the exact path wins, bound at apply over a pattern, and again when the cgroup is created
	# again (a restarted container)
	expect_eq "$(in_cg "$K/pinned.slice/cri-containerd-pinned.scope" "$WTRY" open /etc/hostname)" \
		"ok" "the pattern's rules in the exactly bound scope"
	rmdir "$CGROOT$K/pinned.slice/cri-containerd-pinned.scope" || fail "cannot remove the pinned scope"
	cgp_new_denied "$K/pinned.slice/cri-containerd-pinned.scope" pinned /etc/passwd
	expect_eq "$(in_cg "$K/pinned.slice/cri-containerd-pinned.scope" "$WTRY" open /etc/hostname)" \
		"ok" "the pattern's rules in the exactly bound scope created again"
	# not matched: the slices between, another runtime's scope, a longer name
	mkdir "$CGROOT$K/crio-ddd.scope" "$CGROOT$K/cri-containerd-eee.scope.old" || fail "mkdir"
	for c in "$be" "$be/kubepods-besteffort-pod1.slice" "$K/crio-ddd.scope" \
		"$K/cri-containerd-eee.scope.old"; do
		expect_eq "$("$WTRY" --cgroup "$CGROOT$c" open /etc/hostname)" "ok" "open in $c"
	done
	cgp_no_event_in "$be" "$be/kubepods-besteffort-pod1.slice" "$K/crio-ddd.scope" \
		"$K/cri-containerd-eee.scope.old"
	# without the more specific policy, the burstable scope falls to the other pattern
	"$W" remove burstable >/dev/null || fail "warden remove burstable failed"
	cgp_denied "$bu/kubepods-burstable-pod2.slice/cri-containerd-ccc.scope" pods
	expect_eq "$(in_cg "$bu/kubepods-burstable-pod2.slice/cri-containerd-ccc.scope" "$WTRY" \
		open /etc/group)" "ok" "the removed policy's rules"
}

t_cgroup_pattern_check_apply_status() {
	local a a2 a3 b c ghost later out rc line st
	trap cgp_cleanup EXIT
	# web-*.service and *-api.service: as specific as each other (the same literal bytes and
	# wildcards), and both match web-api.service
	a=$(policy pat-a <<P
name: pat-a
cgroups:
  - $CG/web-*.service
fs: { deny: [/etc/hostname] }
P
)
	b=$(policy pat-b <<P
name: pat-b
cgroups:
  - $CG/*-api.service
fs: { deny: [/etc/passwd] }
P
)
	# as specific as pat-a too, but no cgroup can match both
	c=$(policy pat-c <<P
name: pat-c
cgroups:
  - $CG/dbs-*.service
P
)
	ghost=$(policy ghost <<P
name: ghost
cgroups: [/does/not/exist, $CG/nor/this]
fs: { deny: [/etc/hostname] }
P
)
	out=$("$W" check "$a" "$b" 2>&1)
	rc=$?
	expect_eq "$rc" 1 "check of two tying patterns (output: $out)"
	line=$(grep -E "/pat-(a|b)\.yaml:3:5: " <<<"$out" | head -n 1)
	[ -n "$line" ] || fail "check does not name a pattern as FILE:3:5: $out"
	case $line in
	*/pat-a.yaml:*) expect_contains "$line" "pat-b" "the error names the other policy" ;;
	*) expect_contains "$line" "pat-a" "the error names the other policy" ;;
	esac
	out=$("$W" check "$a" "$c" 2>&1) || fail "check of patterns that cannot overlap exited $?: $out"
	out=$("$W" check "$ghost" 2>&1) || fail "check of a policy whose cgroups do not exist exited $?: $out"

	# apply refuses the tie, whether both come in one set or one is installed
	cg_make "$CG/web-api.service"
	apply "$a"
	cgp_denied "$CG/web-api.service" pat-a
	a2=$(policy pat-a-v2 <<P
name: pat-a
cgroups:
  - $CG/web-*.service
fs: { deny: [/etc/group] }
P
)
	out=$("$W" apply "$a2" "$b" 2>&1) && fail "apply of two tying patterns succeeded: $out"
	expect_contains "$out" "pat-b" "apply's error names the other policy"
	out=$("$W" apply "$b" 2>&1) && fail "apply of a pattern tying with an installed one succeeded: $out"
	expect_contains "$out" "pat-a" "apply's error names the installed policy"
	cgp_denied "$CG/web-api.service" pat-a
	expect_eq "$(in_cg "$CG/web-api.service" "$WTRY" open /etc/group)" "ok" "the refused version's rules"
	expect_eq "$(in_cg "$CG/web-api.service" "$WTRY" open /etc/passwd)" "ok" "the refused policy's rules"

	# a policy for cgroups that do not exist yet waits for them
	later=$(policy later <<P
name: later
cgroups: [$CG/later/job, $CG/later/**/run-*.scope]
fs: { deny: [/etc/hostname] }
P
)
	apply "$later"
	st=$(cgp_status_of later)
	expect_contains "$st" "  waiting: $CG/later/job, $CG/later/**/run-*.scope" "status of a waiting policy"
	st=$(cgp_json_of later)
	expect_contains "$st" "\"waiting\":[\"$CG/later/job\",\"$CG/later/**/run-*.scope\"]" \
		"JSON status of a waiting policy"
	expect_contains "$st" '"cgroups":[]' "JSON status of a waiting policy"
	cg_make "$CG/later" "$CG/later/a"
	cgp_new_denied "$CG/later/job" later /etc/hostname
	cgp_new_denied "$CG/later/a/run-1.scope" later /etc/hostname
	st=$(cgp_status_of later)
	line=$(grep '^  cgroups: ' <<<"$st")
	expect_contains "$line" "$CG/later/job" "status once the cgroup exists"
	expect_contains "$line" "$CG/later/a/run-1.scope" "status of a pattern's cgroup"
	case $(grep '^  waiting: ' <<<"$st") in *"$CG/later/job"*) fail "still waiting: $st" ;; esac
	st=$(cgp_json_of later)
	expect_contains "$st" "\"$CG/later/job\"" "JSON status once the cgroup exists"
	case $(grep -o '"waiting":\[[^]]*\]' <<<"$st") in
	*"\"$CG/later/job\""*) fail "still waiting in JSON: $st" ;;
	esac

	# a version without the pattern, and a removed policy, unbind what the pattern bound
	a3=$(policy pat-a-v3 <<P
name: pat-a
cgroups: [$CG/web-exact.service]
fs: { deny: [/etc/hostname] }
P
)
	apply "$a3"
	expect_eq "$(in_cg "$CG/web-api.service" "$WTRY" open /etc/hostname)" "ok" \
		"after a version without the pattern"
	"$W" remove later >/dev/null || fail "warden remove later failed"
	expect_eq "$(in_cg "$CG/later/a/run-1.scope" "$WTRY" open /etc/hostname)" "ok" \
		"a pattern's cgroup after remove"
	expect_eq "$(in_cg "$CG/later/job" "$WTRY" open /etc/hostname)" "ok" "an exact cgroup after remove"
	cg_make "$CG/later/a/run-2.scope"
	expect_eq "$(in_cg "$CG/later/a/run-2.scope" "$WTRY" open /etc/hostname)" "ok" \
		"a cgroup created after remove"
}
