# shellcheck shell=bash
# Helpers for e2e tests. Sourced by tests/e2e/run inside the VM; every test function runs in
# its own subshell with T (a fresh temporary directory) and CG (its own cgroup, below the
# suite's) set.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
W="$REPO/build/warden"
WTRY="$REPO/build/tests/wtry"
CGROOT=/sys/fs/cgroup
SUITE_CG=/warden-e2e
# cgroups the example policies name; the suite removes them between tests
EXAMPLE_CGS="/system.slice /jobs /ci /warden-demo /warden.run"

fail() {
	echo "      $*" >&2
	exit 1
}

expect_eq() { # ACTUAL EXPECTED WHAT
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

expect_contains() { # HAYSTACK NEEDLE WHAT
	case "$1" in
	*"$2"*) ;;
	*) fail "$3: expected to contain '$2', got: $1" ;;
	esac
}

# cg_make PATH...: create cgroups (paths below the cgroup2 mount)
cg_make() {
	local c
	for c in "$@"; do mkdir -p "$CGROOT$c" || fail "cannot create cgroup $c"; done
}

# in_cg CGROUP CMD...: run CMD as a process of CGROUP (its pid is the shell's, kept by exec)
in_cg() {
	local cg=$1
	shift
	bash -c 'echo $BASHPID > "$0/cgroup.procs" || exit 99; exec "$@"' "$CGROOT$cg" "$@"
}

# try_in CGROUP OP ARGS...: wtry in CGROUP; prints "PID RESULT"
try_in() {
	local cg=$1
	shift
	bash -c 'echo $BASHPID > "$0/cgroup.procs" || exit 99; printf "%s " $BASHPID; exec "$1" "${@:2}"' \
		"$CGROOT$cg" "$WTRY" "$@"
}

# bg_in CGROUP CMD ARGS...: CMD in CGROUP in the background, its pid in BG_PID; returns once
# CMD runs (joined and exec'd: a check that starts earlier would judge the shell outside)
bg_in() {
	local cg=$1 _
	shift
	bash -c 'echo $BASHPID >"$0/cgroup.procs" && exec "$@"' "$CGROOT$cg" "$@" &
	BG_PID=$!
	for _ in $(seq 100); do
		[ "$(cat "/proc/$BG_PID/comm" 2>/dev/null)" = "${1##*/}" ] && return 0
		sleep 0.1
	done
	fail "$* did not start in $cg within 10 s"
}

# wtry_in CGROUP OP ARGS...: wtry joins CGROUP itself, so exec rules do not apply to wtry
wtry_in() {
	local cg=$1
	shift
	"$WTRY" --cgroup "$CGROOT$cg" "$@"
}

# opener_start CGROUP: a wtry open-lines in CGROUP, one task judged again and again (its pid in
# OPENER_PID); `opener PATH` prints its verdict on an open of PATH, opener_stop ends it
opener_start() {
	mkfifo "$T/opener.in" "$T/opener.out"
	"$WTRY" --cgroup "$CGROOT$1" open-lines <"$T/opener.in" >"$T/opener.out" &
	OPENER_PID=$!
	exec {OPENER_IN}>"$T/opener.in" {OPENER_OUT}<"$T/opener.out"
}

opener() {
	local r
	echo "$1" >&"$OPENER_IN"
	read -r -t 60 r <&"$OPENER_OUT" || fail "no answer from the opener for $1"
	echo "$r"
}

opener_stop() {
	exec {OPENER_IN}>&- {OPENER_OUT}<&-
	wait "$OPENER_PID"
}

# wait_for FILE TEXT [SECONDS]: until FILE contains TEXT
wait_for() {
	local i
	for ((i = 0; i < ${3:-30} * 10; i++)); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "no '$2' in $1 after ${3:-30}s: $(cat "$1" 2>/dev/null)"
}

# wait_denied CGROUP FILE: until an open of FILE in CGROUP is refused (a live change has
# landed), at most 5 s; the caller checks the result
wait_denied() {
	local _
	for _ in $(seq 50); do
		[ "$(wtry_in "$1" open "$2")" = EPERM ] && break
		sleep 0.1
	done
	return 0
}

# policy NAME: write stdin to $T/NAME.yaml and print the file's path
policy() {
	cat >"$T/$1.yaml"
	echo "$T/$1.yaml"
}

apply() {
	"$W" apply "$@" >"$T/apply.out" 2>&1 || fail "warden apply $* failed: $(cat "$T/apply.out")"
}

# events: drain the ring buffer as JSON lines into $T/events.json (appending)
events() {
	"$W" events --json >>"$T/events.json" || fail "warden events failed"
}

# event_count KEY=VALUE...: how many drained events match all of the given fields
# (a string field equals VALUE, or a number field is VALUE). Plain grep: a python3 start-up
# costs a second under TCG, and tests call this a few hundred times per kernel.
event_count() {
	local lines c k v
	lines=$(cat "$T/events.json" 2>/dev/null)
	for c in "$@"; do
		k=${c%%=*}
		v=${c#*=}
		v=${v//\\/\\\\}
		v=${v//\"/\\\"}
		lines=$(printf '%s\n' "$lines" | grep -F -e "\"$k\":\"$v\"" -e "\"$k\":$v," -e "\"$k\":$v}")
	done
	printf '%s\n' "$lines" | grep -c .
}

# expect_event KEY=VALUE...: at least one drained event matches
expect_event() {
	events
	local n
	n=$(event_count "$@")
	[ "$n" -ge 1 ] || fail "no event with $*; events were: $(cat "$T/events.json" 2>/dev/null)"
}

# expect_no_event KEY=VALUE...
expect_no_event() {
	events
	local n
	n=$(event_count "$@")
	[ "$n" -eq 0 ] || fail "unexpected event with $*: $(cat "$T/events.json")"
}
