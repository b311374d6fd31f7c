# shellcheck shell=bash
# Report-only candidates (warden apply --candidate): a stricter policy audited beside the one
# in force, for the same cgroups.

# cand_workload DIR: the same actions each time, as root and as uid 65534; prints their results
cand_workload() {
	local d=$1 f
	for f in a b c; do
		printf '%s=%s ' "$f" "$(wtry_in "$CG" open "$d/$f" r)"
	done
	printf 'connect=%s ' "$(wtry_in "$CG" connect 127.0.0.1 9 tcp)"
	printf 'cat=%s ' "$(wtry_in "$CG" exec /usr/bin/cat /dev/null)"
	printf 'nobody_b=%s\n' "$(in_cg "$CG" setpriv --reuid 65534 --regid 65534 --clear-groups \
		"$WTRY" open "$d/b" r)"
}

# cand_events ACTION: the "op path" of each drained event with that action, sorted
cand_events() {
	grep -F "\"action\":\"$1\"" "$T/events.json" | grep -F "\"policy\":\"cand\"" |
		sed -E 's/.*"op":"([^"]*)".*"uid":([0-9]+).*/\1 \2/' | sort
	grep -F "\"action\":\"$1\"" "$T/events.json" | grep -F "\"policy\":\"cand\"" |
		grep -oE '"(path|port)":("[^"]*"|[0-9]+)' | sort
}

# Under both, decisions are the enforced policy's, and the candidate's would-deny events are
# the deny events the candidate alone produces (also for what the enforced one denies too);
# remove --candidate ends one candidate's reports; promoting a candidate is applying its file,
# and with no candidate left the candidate programs detach.
t_candidate_reports_what_it_would_deny() {
	local d=/tmp/e2e-cand out both_deny both_would alone
	mkdir -p "$d"
	chmod 755 "$d"
	for f in a b c; do echo x >"$d/$f" && chmod 644 "$d/$f"; done
	cg_make "$CG/sub"
	# exec allow lists: a candidate never takes the interpreter of an allowed program away
	policy enforced >/dev/null <<P
name: cand
cgroups: [$CG]
fs: { deny: [$d/a] }
exec: { default: deny, allow: [/usr/bin/cat, /usr/bin/setpriv, $(realpath "$WTRY")] }
P
	policy candidate >/dev/null <<P
name: cand
cgroups: [$CG]
fs: { deny: [$d/a, $d/b] }
exec: { default: deny, allow: [/usr/bin/cat, /usr/bin/setpriv, $(realpath "$WTRY")] }
net: { connect: { default: deny } }
P
	policy sub >/dev/null <<P
name: cand-sub
cgroups: [$CG/sub]
P
	policy sub-candidate >/dev/null <<P
name: cand-sub
cgroups: [$CG/sub]
fs: { deny: [$d/b] }
P
	# the daemon's convention: NAME.candidate.yaml beside NAME's file (its policies stay when
	# it stops); then the command line for the other policy
	mkdir "$T/dir"
	cp "$T/sub.yaml" "$T/dir/sub.yaml"
	cp "$T/sub-candidate.yaml" "$T/dir/cand-sub.candidate.yaml"
	"$W" daemon --policy-dir "$T/dir" >"$T/daemon.out" 2>"$T/daemon.err" &
	for _ in $(seq 300); do
		"$W" status --json 2>/dev/null | grep -q '"name":"cand-sub","id":[0-9]*,"mode":"candidate"' && break
		sleep 0.2
	done
	kill -TERM $! && wait $!
	"$W" status --json | grep -q '"name":"cand-sub","id":[0-9]*,"mode":"candidate"' ||
		fail "the daemon installed no candidate: $(cat "$T/daemon.err")"
	apply "$T/enforced.yaml"
	"$W" apply --candidate "$T/candidate.yaml" >"$T/out" 2>&1 ||
		fail "apply --candidate: $(cat "$T/out")"
	expect_contains "$(cat "$T/out")" "applied candidate 'cand'" "apply --candidate"
	: >"$T/events.json"
	events
	out=$(cand_workload "$d")
	expect_eq "$out" "a=EPERM b=ok c=ok connect=ECONNREFUSED cat= nobody_b=ok" "decisions under both"
	events
	both_deny=$(cand_events deny)
	both_would=$(cand_events would-deny)
	expect_contains "$both_would" '"path":"'"$d/b"'"' "would-deny of b"
	expect_contains "$both_would" '"path":"'"$d/a"'"' "would-deny of a, which the enforced policy denies too"
	expect_contains "$both_would" 'net.connect 0' "would-deny of the connect"
	expect_contains "$both_would" 'fs.read 65534' "would-deny as uid 65534"
	[ "$(event_count action=would-deny path="$d/c")" = 0 ] || fail "c reported: $both_would"
	[ "$(event_count action=would-deny op=exec)" = 0 ] || fail "an exec reported: $both_would"
	[ "$(event_count action=deny path="$d/b")" = 0 ] || fail "b denied under the enforced policy"

	# remove --candidate: that candidate's reports end; the other's go on
	expect_eq "$(wtry_in "$CG/sub" open "$d/b" r)" ok "b in sub"
	expect_event action=would-deny policy=cand-sub path="$d/b"
	"$W" remove --candidate cand-sub >"$T/out" 2>&1 || fail "remove --candidate: $(cat "$T/out")"
	: >"$T/events.json"
	expect_eq "$(wtry_in "$CG/sub" open "$d/b" r)" ok "b in sub after remove --candidate"
	expect_eq "$(wtry_in "$CG" open "$d/b" r)" ok "b after remove --candidate"
	expect_no_event action=would-deny policy=cand-sub
	expect_event action=would-deny policy=cand path="$d/b"
	"$W" status --json >"$T/status"
	expect_contains "$(cat "$T/status")" '"name":"cand-sub","id":' "cand-sub stays enforced"

	# the candidate alone (promoted: its file applied) denies exactly what it reported
	apply "$T/candidate.yaml"
	expect_contains "$(cat "$T/apply.out")" "promoted" "apply of the candidate's file promotes it"
	"$W" status --json >"$T/status"
	case $(cat "$T/status") in *'"mode":"candidate"'*) fail "candidate left after promotion" ;; esac
	compgen -G '/sys/fs/bpf/warden/link_cand_*' >/dev/null && fail "candidate programs still attached"
	: >"$T/events.json"
	out=$(cand_workload "$d")
	expect_eq "$out" "a=EPERM b=EPERM c=ok connect=EPERM cat= nobody_b=EPERM" "decisions of the candidate alone"
	events
	alone=$(cand_events deny)
	expect_eq "$alone" "$both_would" "the candidate alone denies what it reported"

	# the old enforced policy alone again denies what it denied under both
	apply "$T/enforced.yaml"
	: >"$T/events.json"
	cand_workload "$d" >/dev/null
	events
	expect_eq "$(cand_events deny)" "$both_deny" "the enforced policy alone"
	expect_eq "$(cand_events would-deny)" "" "no candidate, no would-deny"
}

# A candidate needs an installed policy of its name bound to the same cgroups; a bad one
# changes nothing.
t_candidate_refuses_mismatch() {
	local out
	cg_make "$CG/other"
	policy lonely >/dev/null <<P
name: lonely
cgroups: [$CG]
P
	out=$("$W" apply --candidate "$T/lonely.yaml" 2>&1) && fail "candidate without a policy applied"
	expect_contains "$out" "no enforced policy 'lonely'" "error names the policy"
	policy base >/dev/null <<P
name: base
cgroups: [$CG]
P
	policy wide >/dev/null <<P
name: base
cgroups: [$CG, $CG/other]
fs: { default: deny }
P
	apply "$T/base.yaml"
	out=$("$W" apply --candidate "$T/wide.yaml" 2>&1) && fail "candidate for other cgroups applied"
	expect_contains "$out" "cgroups of candidate 'base' differ" "error names the cgroups"
	"$W" status --json >"$T/status"
	case $(cat "$T/status") in *'"mode":"candidate"'*) fail "a refused candidate was installed" ;; esac
	out=$("$W" remove --candidate base 2>&1) && fail "remove --candidate of none succeeded"
	expect_contains "$out" "no candidate named 'base'" "remove --candidate error"
}
