# shellcheck shell=bash
# Fleet deployment: the daemon follows a Kubernetes ConfigMap volume as kubelet updates it.

# configmap_write DIR STAMP FILE...: kubelet's atomic update of a ConfigMap volume. The files
# go to a new hidden directory ..STAMP, a ..data_tmp symlink to it is renamed over ..data, each
# visible name is a symlink through ..data, and the old directory is removed afterwards.
configmap_write() {
	local dir=$1 stamp=$2 old f
	shift 2
	old=$(readlink "$dir/..data" 2>/dev/null)
	mkdir "$dir/..$stamp"
	for f in "$@"; do cp "$f" "$dir/..$stamp/"; done
	ln -s "..$stamp" "$dir/..data_tmp"
	mv -T "$dir/..data_tmp" "$dir/..data"
	for f in "$@"; do
		[ -L "$dir/${f##*/}" ] || ln -s "..data/${f##*/}" "$dir/${f##*/}"
	done
	for f in "$dir"/*.yaml; do
		[ -e "$f" ] || rm -f "$f" # a name the new version no longer has
	done
	[ -z "$old" ] || rm -rf "${dir:?}/$old"
}

# daemon_events TEXT: the daemon reads the ring buffer itself and prints events on its
# standard output: once TEXT is there, they are the test's events
daemon_events() {
	wait_for "$T/d.out" "$1" 10
	cp "$T/d.out" "$T/events.json"
}

t_daemon_follows_configmap_swap() {
	local d=/tmp/e2e-fleet dir=$T/configmap
	mkdir -p "$d" "$dir" "$T/v1" "$T/v2"
	echo x >"$d/one"
	echo x >"$d/two"
	printf 'name: cm-a\ncgroups: [%s]\nfs: { deny: [%s/one] }\n' "$CG" "$d" >"$T/v1/a.yaml"
	printf 'name: cm-a\ncgroups: [%s]\nfs: { deny: [%s/two] }\n' "$CG" "$d" >"$T/v2/a.yaml"
	printf 'name: cm-b\ncgroups: [%s/b]\nfs: { deny: [%s/one] }\n' "$CG" "$d" >"$T/v2/b.yaml"
	configmap_write "$dir" 2026_11_30_01 "$T/v1/a.yaml"
	"$W" daemon --policy-dir "$dir" >"$T/d.out" 2>"$T/d.err" &
	DPID=$!
	# shellcheck disable=SC2064
	trap "kill -9 $DPID 2>/dev/null" EXIT
	wait_for "$T/d.err" "applied policy 'cm-a'" 300
	expect_eq "$(wtry_in "$CG" open "$d/one")" "EPERM" "the ConfigMap's first version"
	daemon_events "$d/one"
	expect_event action=deny op=fs.read policy=cm-a path="$d/one"

	# kubelet's swap: a.yaml changes, b.yaml appears, in one rename
	configmap_write "$dir" 2026_11_30_02 "$T/v2/a.yaml" "$T/v2/b.yaml"
	wait_for "$T/d.err" "applied policy 'cm-b'" 60
	wait_for "$T/d.err" "applied policy 'cm-a' from $dir/a.yaml" 60
	wait_denied "$CG" "$d/two"
	expect_eq "$(wtry_in "$CG" open "$d/two")" "EPERM" "the swapped version"
	expect_eq "$(wtry_in "$CG" open "$d/one")" "ok" "the old version's rule is gone"
	cg_make "$CG/b"
	expect_eq "$(wtry_in "$CG/b" open "$d/one")" "EPERM" "the new file's policy"
	daemon_events "$d/two"
	daemon_events "$CG/b"
	expect_event action=deny op=fs.read policy=cm-a path="$d/two"
	expect_event action=deny op=fs.read policy=cm-b path="$d/one"

	# a confined root process may not rewrite the policy behind the symlink, nor swap ..data
	expect_eq "$(wtry_in "$CG" open "$dir/..2026_11_30_02/a.yaml" w)" "EPERM" \
		"write the file a policy symlink points at"
	expect_eq "$(wtry_in "$CG" rename "$dir/..2026_11_30_02" "$dir/..evil")" "EPERM" \
		"rename the directory behind ..data"
	daemon_events '"what":"daemon"'
	expect_event op=tamper what=daemon uid=0

	# the next swap drops b.yaml: its policy goes
	configmap_write "$dir" 2026_11_30_03 "$T/v2/a.yaml"
	wait_for "$T/d.err" "removed policy 'cm-b'" 60
	expect_eq "$(wtry_in "$CG/b" open "$d/one")" "ok" "the dropped file's policy is gone"
	kill "$DPID"
	wait "$DPID" 2>/dev/null
	rmdir "$CGROOT$CG/b"
}
