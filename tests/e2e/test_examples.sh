# shellcheck shell=bash
# Every example in policies/ loads and does what its comments say, with real programs.

t_example_node_webapp() {
	local out
	cg_make /system.slice/node-webapp.service
	mkdir -p /srv/webapp /var/lib/webapp
	echo '{"db": "postgres"}' >/srv/webapp/config.json
	echo 'SECRET=1' >/srv/webapp/.env
	cat >/srv/webapp/app.js <<'JS'
const fs = require('fs'), net = require('net'), cp = require('child_process');
const r = {};
const t = (k, f) => { try { f(); r[k] = 'ok'; } catch (e) { r[k] = e.code || String(e); } };
t('read_config', () => fs.readFileSync('/srv/webapp/config.json'));
t('read_shadow', () => fs.readFileSync('/etc/shadow'));
t('read_env', () => fs.readFileSync('/srv/webapp/.env'));
t('write_state', () => fs.writeFileSync('/var/lib/webapp/state', 'x'));
t('spawn', () => cp.execFileSync('/usr/bin/id'));
const done = () => { console.log(JSON.stringify(r)); process.exit(0); };
const srv = net.createServer().listen(8080, '127.0.0.1', () => {
  r.listen_8080 = 'ok';
  const other = net.createServer();
  other.on('error', (e) => { r.listen_9090 = e.code; db(); });
  other.listen(9090, '127.0.0.1', () => { r.listen_9090 = 'ok'; db(); });
});
srv.on('error', (e) => { r.listen_8080 = e.code; done(); });
function db() {
  const c = net.connect(5432, '127.0.0.1');
  c.on('error', (e) => {
    r.connect_db = e.code;
    const s = net.connect(25, '127.0.0.1');
    s.on('error', (e2) => { r.connect_smtp = e2.code; done(); });
  });
}
JS
	apply "$REPO/policies/node-webapp.yaml"
	out=$(in_cg /system.slice/node-webapp.service /usr/bin/node /srv/webapp/app.js 2>&1)
	python3 - "$out" <<'PY' || fail "node app saw: $out; events: $("$W" events)"
import json, sys
r = json.loads(sys.argv[1].splitlines()[-1])
want = {"read_config": "ok", "read_shadow": "EPERM", "read_env": "EPERM", "write_state": "ok",
        "spawn": "EPERM", "listen_8080": "ok", "listen_9090": "EPERM",
        "connect_db": "ECONNREFUSED", "connect_smtp": "EPERM"}
assert r == want, r
PY
	expect_event policy=node-webapp op=fs.read path=/etc/shadow comm=node
	expect_event policy=node-webapp op=net.connect port=25
	expect_event policy=node-webapp op=net.bind port=9090
	expect_event policy=node-webapp op=fork
}

t_example_python_batch() {
	local out
	cg_make /jobs/python-batch
	mkdir -p /srv/batch/input /srv/batch/output
	echo 3 >/srv/batch/input/n
	cat >/srv/batch/job.py <<'PY'
import errno, os, socket, subprocess
def t(f):
    try:
        f()
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
n = int(open("/srv/batch/input/n").read())
open("/srv/batch/output/result", "w").write(str(n * n))
print(t(lambda: open("/etc/shadow")), t(lambda: open("/root/.profile")),
      t(lambda: socket.create_connection(("127.0.0.1", 80))),
      t(lambda: subprocess.run(["/bin/true"])), t(lambda: open("/srv/batch/input/n", "a")))
PY
	apply "$REPO/policies/python-batch.yaml"
	out=$(in_cg /jobs/python-batch /usr/bin/python3.11 /srv/batch/job.py 2>&1)
	expect_eq "$out" "EPERM EPERM EPERM EPERM EPERM" "the batch job's forbidden actions"
	expect_eq "$(cat /srv/batch/output/result)" "9" "the batch job's output"
	expect_event policy=python-batch op=net.connect addr=127.0.0.1 port=80 reason=default
	expect_event policy=python-batch op=fs.write path=/srv/batch/input/n reason=default
}

t_example_static_web() {
	local cg=/system.slice/nginx.service
	cg_make "$cg"
	mkdir -p /var/www /etc/nginx
	echo hello >/var/www/index.html
	apply "$REPO/policies/static-web.yaml"
	expect_eq "$(wtry_in "$cg" read /var/www/index.html)" "ok" "read the site"
	expect_eq "$(wtry_in "$cg" open /etc/ssl/private)" "EPERM" "read TLS private keys"
	expect_eq "$(wtry_in "$cg" bind 0.0.0.0 80)" "ok" "bind 80"
	expect_eq "$(wtry_in "$cg" bind :: 443)" "ok" "bind 443 (IPv6)"
	expect_eq "$(wtry_in "$cg" bind 0.0.0.0 8080)" "EPERM" "bind another port"
	expect_eq "$(wtry_in "$cg" connect 127.0.0.1 3306)" "EPERM" "connect anywhere"
	expect_eq "$(wtry_in "$cg" exec /bin/sh -c true)" "EPERM" "run a shell"
	expect_eq "$(wtry_in "$cg" fork)" "ok" "fork workers"
	expect_event policy=static-web op=exec path=/usr/bin/dash
}

t_example_build_step() {
	local cg=/ci/build-step out
	cg_make "$cg"
	mkdir -p /src/build /src/.git
	echo '[remote "origin"]' >/src/.git/config
	printf '#include <stdio.h>\nint main(void) { puts("built"); return 0; }\n' >/src/hello.c
	apply "$REPO/policies/build-step.yaml"
	out=$(in_cg "$cg" /bin/sh -c 'cd /src && cc -o build/hello hello.c && build/hello' 2>&1)
	expect_eq "$out" "built" "compile and run under /src"
	expect_eq "$(wtry_in "$cg" exec /usr/bin/curl -s http://127.0.0.1/)" "EPERM" "fetch tools"
	expect_eq "$(wtry_in "$cg" connect 127.0.0.1 443)" "EPERM" "reach the network"
	expect_eq "$(wtry_in "$cg" open /src/.git/config)" "EPERM" "read the repository's credentials"
	expect_eq "$(wtry_in "$cg" open /src/hello.c w)" "EPERM" "rewrite the sources"
	expect_event policy=build-step op=exec path=/usr/bin/curl reason=rule
}
