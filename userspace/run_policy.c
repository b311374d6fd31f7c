// SPDX-License-Identifier: GPL-2.0
/*
 * warden run's policy: the embedded default (what a program needs to start and nothing else)
 * or a policy file, plus the flags. The rules are written as a policy document and parsed by
 * the policy parser, so a flag's value is checked exactly as the same rule in a file would be.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cgroup.h"
#include "log.h"
#include "run.h"

int run_list_add(struct run_list *l, const char *value)
{
	const char *p, *end;
	char **v;

	if (!value) {
		l->any = 1;
		return 0;
	}
	for (p = value; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ',');
		if (end == p)
			continue;
		v = realloc(l->v, (l->n + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		v[l->n] = strndup(p, end - p);
		if (!v[l->n])
			return -ENOMEM;
		l->n++;
	}
	return 0;
}

static void list_free(struct run_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void run_flags_free(struct run_flags *f)
{
	struct run_list *lists[] = { &f->fs_read,	 &f->fs_write,	    &f->exec,
				     &f->libraries,	 &f->net,	    &f->bind,
				     &f->deny_fs_read,	 &f->deny_fs_write, &f->deny_exec,
				     &f->deny_libraries, &f->deny_net,	    &f->deny_bind };
	size_t i;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		list_free(lists[i]);
}

/* The rules of a run, by section, before they become a policy document. */
struct rules {
	struct run_list read, write, deny_read, deny_write, exec, deny_exec, lib, deny_lib;
	struct run_list connect, deny_connect, bind, deny_bind;
	int err;
};

static void rules_free(struct rules *r)
{
	struct run_list *l;

	for (l = &r->read; l <= &r->deny_bind; l++)
		list_free(l);
}

static void add(struct rules *r, struct run_list *l, const char *s)
{
	char **v;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return;
	if (r->err)
		return;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v || !(v[l->n] = strdup(s))) {
		if (v)
			l->v = v;
		r->err = -ENOMEM;
		return;
	}
	l->v = v;
	l->n++;
}

/* The directory of file as a directory rule ("/usr/lib/x/"). */
static void add_dir_of(struct rules *r, struct run_list *l, const char *file)
{
	char buf[PATH_MAX], dir[PATH_MAX + 1];

	snprintf(buf, sizeof(buf), "%s", file);
	snprintf(dir, sizeof(dir), "%s/", dirname(buf));
	if (strcmp(dir, "//"))
		add(r, l, dir);
}

/* PT_INTERP of an ELF file, or "" (static, not ELF, unreadable). */
static void elf_interp(const char *file, char *buf, size_t size)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd, i;

	buf[0] = 0;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(ph))
		goto out;
	for (i = 0; i < eh.e_phnum && i < 64; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + (off_t)i * sizeof(ph)) != sizeof(ph))
			break;
		if (ph.p_type != PT_INTERP || ph.p_filesz == 0 || ph.p_filesz >= size)
			continue;
		if (pread(fd, buf, ph.p_filesz, ph.p_offset) != (ssize_t)ph.p_filesz)
			buf[0] = 0;
		buf[ph.p_filesz] = 0;
		break;
	}
out:
	close(fd);
}

/*
 * Only the system's own dynamic loader is asked for a program's libraries (run with --list,
 * it runs none of the program's code); a PT_INTERP elsewhere could be anything.
 */
static int trusted_loader(const char *path)
{
	struct stat st;

	if (strncmp(path, "/usr/lib", 8) && strncmp(path, "/lib", 4))
		return 0;
	return !stat(path, &st) && st.st_uid == 0 && !(st.st_mode & 022);
}

/* The libraries prog links, as the loader resolves them ("libc.so.6 => /lib/.../libc.so.6"). */
static void add_libraries(struct rules *r, const char *loader, const char *prog)
{
	char line[PATH_MAX + 128], real[PATH_MAX], *s, *e;
	int pfd[2], st;
	pid_t pid;
	FILE *f;

	if (pipe2(pfd, O_CLOEXEC))
		return;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(pfd[1], 1);
		if (null >= 0)
			dup2(null, 2);
		execl(loader, loader, "--list", prog, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		s = strstr(line, "=> ");
		s = s ? s + 3 : line + strspn(line, " \t");
		if (*s != '/')
			continue;
		e = strstr(s, " (");
		if (!e)
			e = s + strcspn(s, "\n");
		*e = 0;
		if (!realpath(s, real))
			continue;
		add(r, &r->read, real);
		add(r, &r->lib, real);
		add_dir_of(r, &r->read, real);
	}
	if (f)
		fclose(f);
	else
		close(pfd[0]);
	if (pid > 0)
		waitpid(pid, &st, 0);
}

/* A script's interpreter: "#!/usr/bin/env node" is env and node. */
static void add_program(struct rules *r, const char *prog, int depth);

static void add_script_interp(struct rules *r, const char *prog, int depth)
{
	char line[512], found[PATH_MAX], *word, *save;
	FILE *f = fopen(prog, "re");
	int env = 0;

	if (!f)
		return;
	if (!fgets(line, sizeof(line), f) || strncmp(line, "#!", 2)) {
		fclose(f);
		return;
	}
	fclose(f);
	for (word = strtok_r(line + 2, " \t\n", &save); word && depth < 4;
	     word = strtok_r(NULL, " \t\n", &save)) {
		if (!env && word[0] == '/') {
			add_program(r, word, depth + 1);
			if (strcmp(basename(word), "env"))
				return;
			env = 1;
			continue;
		}
		if (env && word[0] == '-')
			continue;
		if (env && !run_find_program(word, found, sizeof(found)))
			add_program(r, found, depth + 1);
		return;
	}
}

/* A program a run may execute: itself, its ELF interpreter, its libraries, its `#!` line. */
static void add_program(struct rules *r, const char *prog, int depth)
{
	char real[PATH_MAX], interp[PATH_MAX], interp_real[PATH_MAX];

	if (!realpath(prog, real))
		return;
	add(r, &r->exec, real);
	add(r, &r->read, real); /* node reads its own executable */
	elf_interp(real, interp, sizeof(interp));
	if (interp[0] && realpath(interp, interp_real)) {
		/* until an allowed exec carries its ELF interpreter, the loader is exec'd too */
		add(r, &r->exec, interp_real);
		add(r, &r->read, interp_real);
		if (trusted_loader(interp_real))
			add_libraries(r, interp_real, real);
	} else if (!interp[0]) {
		add_script_interp(r, real, depth);
	}
}

/* Start-up reads every program makes or may make; docs/run.md gives the reason for each. */
static const char *const default_read[] = {
	"/etc/ld.so.cache",
	"/usr/lib/locale/",
	"/usr/share/locale/locale.alias",
	"/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache",
	"/etc/localtime",
	"/usr/share/zoneinfo/",
	"/dev/null",
	"/dev/urandom",
	"/dev/random",
	"/proc/meminfo",
	"/proc/*/maps",
	"/proc/*/cgroup",
	"/etc/ssl/openssl.cnf",
	"/etc/ssl/certs/ca-certificates.crt",
	NULL,
};

static const char *const default_write[] = { "/dev/null", NULL };

/* Python's own installation: its standard library and its extension modules. */
static void add_python(struct rules *r, const char *prog)
{
	char real[PATH_MAX], buf[PATH_MAX], prefix[PATH_MAX];
	const char *base;

	if (!realpath(prog, real))
		return;
	base = strrchr(real, '/') + 1;
	if (strncmp(base, "python3.", 8) || strspn(base + 8, "0123456789") != strlen(base + 8))
		return;
	snprintf(buf, sizeof(buf), "%s", real);
	snprintf(prefix, sizeof(prefix), "%s", dirname(dirname(buf)));
	if ((size_t)snprintf(buf, sizeof(buf), "%s/lib/%s/", prefix, base) < sizeof(buf))
		add(r, &r->read, buf);
	if ((size_t)snprintf(buf, sizeof(buf), "%s/lib/%s/lib-dynload/", prefix, base) <
	    sizeof(buf))
		add(r, &r->lib, buf);
	if ((size_t)snprintf(buf, sizeof(buf), "%s/lib/python3/dist-packages/", prefix) <
	    sizeof(buf))
		add(r, &r->read, buf);
	if ((size_t)snprintf(buf, sizeof(buf), "%s/local/lib/%s/dist-packages/", prefix, base) <
	    sizeof(buf))
		add(r, &r->read, buf);
}

/* A rule and, when it is a symlink, its target: the kernel judges the file it opened. */
static void add_real(struct rules *r, struct run_list *l, const char *path)
{
	char real[PATH_MAX + 1];
	size_t len = strlen(path);

	add(r, l, path);
	if (strchr(path, '*') || !realpath(path, real))
		return;
	if (path[len - 1] == '/' && strcmp(real, "/"))
		strcat(real, "/");
	add(r, l, real);
}

static void add_default(struct rules *r, const char *argv0)
{
	char prog[PATH_MAX], mount[PATH_MAX], buf[PATH_MAX];
	size_t i;

	for (i = 0; default_read[i]; i++)
		add_real(r, &r->read, default_read[i]);
	for (i = 0; default_write[i]; i++)
		add_real(r, &r->write, default_write[i]);
	/* the runtime reads its memory limits from its own cgroup */
	if (!cgroup_mount_point(mount, sizeof(mount))) {
		if ((size_t)snprintf(buf, sizeof(buf), "%s" RUN_CGROUP_PARENT "/", mount) <
		    sizeof(buf))
			add(r, &r->read, buf);
	}
	if (run_find_program(argv0, prog, sizeof(prog)))
		return; /* run_confined says so */
	add_program(r, prog, 0);
	add_python(r, prog);
}

/* A path flag's value as a rule: absolute, the real path, a directory as a directory rule. */
static void add_path(struct rules *r, struct run_list *l, const char *value)
{
	char abs[PATH_MAX * 2], real[PATH_MAX], cwd[PATH_MAX];
	struct stat st;
	size_t len;

	if (!strcmp(value, "*")) {
		add(r, l, "/"); /* Node's spelling of everything */
		return;
	}
	if (value[0] != '/' && value[0] != '@' && getcwd(cwd, sizeof(cwd)))
		snprintf(abs, sizeof(abs), "%s/%s", strcmp(cwd, "/") ? cwd : "", value);
	else
		snprintf(abs, sizeof(abs), "%s", value);
	len = strlen(abs);
	if (len > 2 && !strcmp(abs + len - 2, "/*"))
		abs[len - 1] = 0; /* Node's "DIR/<star>": DIR and everything below */
	if (!strchr(abs, '*') && realpath(abs, real) && !stat(real, &st)) {
		snprintf(abs, sizeof(abs), "%s%s", real,
			 S_ISDIR(st.st_mode) && strcmp(real, "/") ? "/" : "");
	}
	add(r, l, abs);
}

static void add_paths(struct rules *r, struct run_list *l, const struct run_list *flag)
{
	size_t i;

	if (flag->any)
		add(r, l, "/");
	for (i = 0; i < flag->n; i++)
		add_path(r, l, flag->v[i]);
}

static void add_values(struct rules *r, struct run_list *l, const struct run_list *flag,
		       const char *any)
{
	size_t i;

	if (flag->any && any)
		add(r, l, any);
	for (i = 0; i < flag->n; i++)
		add(r, l, flag->v[i]);
}

static int add_programs(struct rules *r, const struct run_list *flag, struct run_list *l, int allow,
			struct policy_diags *diags)
{
	char prog[PATH_MAX], real[PATH_MAX];
	size_t i;

	for (i = 0; i < flag->n; i++) {
		if (strchr(flag->v[i], '*')) {
			add_path(r, l, flag->v[i]);
			continue;
		}
		if (run_find_program(flag->v[i], prog, sizeof(prog))) {
			policy_diags_add(diags, "flags", 0, 0, "%s-exec=%s: no such program",
					 allow ? "--allow" : "--deny", flag->v[i]);
			return -ENOENT;
		}
		if (allow)
			add_program(r, prog, 0);
		else if (realpath(prog, real))
			add(r, l, real);
	}
	return 0;
}

static int flag_rules(struct rules *r, const struct run_flags *f, struct policy_diags *diags)
{
	int err;

	add_paths(r, &r->read, &f->fs_read);
	add_paths(r, &r->write, &f->fs_write);
	add_paths(r, &r->deny_read, &f->deny_fs_read);
	add_paths(r, &r->deny_write, &f->deny_fs_write);
	err = add_programs(r, &f->exec, &r->exec, 1, diags);
	if (!err)
		err = add_programs(r, &f->deny_exec, &r->deny_exec, 0, diags);
	if (err)
		return err;
	add_paths(r, &r->lib, &f->libraries);
	add_paths(r, &r->read, &f->libraries); /* a library is read before it is mapped */
	add_paths(r, &r->deny_lib, &f->deny_libraries);
	add_values(r, &r->connect, &f->net, NULL);
	add_values(r, &r->deny_connect, &f->deny_net, "0-65535");
	add_values(r, &r->bind, &f->bind, NULL);
	add_values(r, &r->deny_bind, &f->deny_bind, "0-65535");
	/* a client's socket gets a local port from the kernel: sends from unbound UDP sockets */
	if (f->net.any || f->net.n)
		add(r, &r->bind, "0");
	return r->err;
}

static void emit_list(FILE *f, const char *key, const struct run_list *l)
{
	const char *c;
	size_t i;

	if (!l->n)
		return;
	fprintf(f, "%s: [", key);
	for (i = 0; i < l->n; i++) {
		fputs(i ? ", \"" : "\"", f);
		for (c = l->v[i]; *c; c++) {
			if (*c == '"' || *c == '\\')
				fprintf(f, "\\%c", *c);
			else if ((unsigned char)*c < 0x20 || *c == 0x7f)
				fprintf(f, "\\x%02x", (unsigned char)*c);
			else
				fputc(*c, f);
		}
		fputc('"', f);
	}
	fputs("]\n", f);
}

/* The rules as a policy document; every default deny (flags widen them afterwards). */
static char *emit(const struct rules *r, size_t *ret_len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, ret_len);

	if (!f)
		return NULL;
	fputs("name: run\nfs:\n  default: deny\n", f);
	emit_list(f, "  read", &r->read);
	emit_list(f, "  write", &r->write);
	emit_list(f, "  deny_read", &r->deny_read);
	emit_list(f, "  deny_write", &r->deny_write);
	fputs("exec:\n  default: deny\n", f);
	emit_list(f, "  allow", &r->exec);
	emit_list(f, "  deny", &r->deny_exec);
	fputs("libraries:\n  default: deny\n", f);
	emit_list(f, "  allow", &r->lib);
	emit_list(f, "  deny", &r->deny_lib);
	fputs("net:\n  connect:\n    default: deny\n", f);
	emit_list(f, "    allow", &r->connect);
	emit_list(f, "    deny", &r->deny_connect);
	fputs("  bind:\n    default: deny\n", f);
	emit_list(f, "    allow", &r->bind);
	emit_list(f, "    deny", &r->deny_bind);
	fputs("process: { fork: deny, ptrace: deny, signal: deny }\n", f);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/*
 * Array arr (*n elements of size bytes) with src_n more copied from src, each with its own copy
 * of the string its char * member at str_off points to; on failure *err is -ENOMEM and the
 * array returned holds what was copied so far.
 */
static void *append_copies(void *arr, size_t *n, const void *src, size_t src_n, size_t size,
			   size_t str_off, int *err)
{
	char *v, *e, *copy;
	const char *orig;
	size_t i;

	if (!src_n || *err)
		return arr;
	v = realloc(arr, (*n + src_n) * size);
	if (!v) {
		*err = -ENOMEM;
		return arr;
	}
	for (i = 0; i < src_n; i++) {
		e = v + *n * size;
		memcpy(e, (const char *)src + i * size, size);
		memcpy(&orig, e + str_off, sizeof(orig));
		copy = strdup(orig);
		if (!copy) {
			*err = -ENOMEM;
			break;
		}
		memcpy(e + str_off, &copy, sizeof(copy));
		(*n)++;
	}
	return v;
}

static void strs_append(struct policy_strs *dst, const struct policy_strs *src, int *err)
{
	dst->v = append_copies(dst->v, &dst->n, src->v, src->n, sizeof(*src->v),
			       offsetof(struct policy_str, s), err);
	dst->cap = dst->n; /* append_copies allocates exactly */
}

static void net_append(struct policy_net_rules *dst, const struct policy_net_rules *src, int *err)
{
	dst->v = append_copies(dst->v, &dst->n, src->v, src->n, sizeof(*src->v),
			       offsetof(struct policy_net_rule, text), err);
	strs_append(&dst->names, &src->names, err);
}

/* The flags' rules added to a policy file's. */
static int merge(struct policy *p, const struct policy *q)
{
	const struct policy_strs *from[] = { &q->fs.read,	  &q->fs.write,
					     &q->fs.deny_read,	  &q->fs.deny_write,
					     &q->exec.allow,	  &q->exec.deny,
					     &q->libraries.allow, &q->libraries.deny };
	struct policy_strs *to[] = { &p->fs.read,	  &p->fs.write,	     &p->fs.deny_read,
				     &p->fs.deny_write,	  &p->exec.allow,    &p->exec.deny,
				     &p->libraries.allow, &p->libraries.deny };
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(to) / sizeof(to[0]); i++)
		strs_append(to[i], from[i], &err);
	net_append(&p->connect.allow, &q->connect.allow, &err);
	net_append(&p->connect.deny, &q->connect.deny, &err);
	net_append(&p->bind.allow, &q->bind.allow, &err);
	net_append(&p->bind.deny, &q->bind.deny, &err);
	return err;
}

/* What flags without a value change: the defaults. A deny flag wins over its allow flag. */
static void apply_defaults(struct policy *p, const struct run_flags *f)
{
	int child = f->all || f->child_process || f->exec.any;

	if (f->all) {
		p->fs.default_deny = 0;
		p->libraries.default_deny = 0;
		p->connect.default_deny = 0;
		p->bind.default_deny = 0;
		p->ptrace_deny = 0;
		p->signal_deny = 0;
	}
	if (child || f->exec.n)
		p->fork_deny = 0;
	if (child)
		p->exec.default_deny = 0;
	if (f->deny_child_process || f->deny_exec.any) {
		p->fork_deny = 1;
		p->exec.default_deny = 1;
	}
	if (f->addons || f->libraries.any)
		p->libraries.default_deny = 0;
	if (f->deny_addons || f->deny_libraries.any)
		p->libraries.default_deny = 1;
	if (f->net.any)
		p->connect.default_deny = 0;
	if (f->bind.any)
		p->bind.default_deny = 0;
}

int run_policy_build(const struct run_flags *f, const char *policy_file, const char *argv0,
		     struct policy **ret_policy, struct policy_diags *diags)
{
	struct policy *p = NULL, *q = NULL;
	struct rules r = { 0 };
	size_t len;
	char *text = NULL;
	int err;

	if (!policy_file)
		add_default(&r, argv0);
	err = flag_rules(&r, f, diags);
	if (err)
		goto out;
	text = emit(&r, &len);
	if (!text) {
		err = -ENOMEM;
		goto out;
	}
	log_debug("the rules of this run%s:\n%s", policy_file ? " (added to the file's)" : "",
		  text);
	err = policy_parse_string("flags", text, len, &q, diags);
	if (err)
		goto out;
	if (policy_file) {
		err = policy_parse_file(policy_file, &p, diags);
		if (!err)
			err = merge(p, q);
	} else {
		p = q;
		q = NULL;
	}
	if (err)
		goto out;
	apply_defaults(p, f);
	*ret_policy = p;
	p = NULL;
out:
	policy_free(p);
	policy_free(q);
	free(text);
	rules_free(&r);
	return err;
}
