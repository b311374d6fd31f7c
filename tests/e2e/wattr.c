// SPDX-License-Identifier: GPL-2.0
/*
 * wattr: change a file's attributes in each way given and print "OP:RESULT" for each, on one
 * line (RESULT is "ok" or the errno's name), like wtry. For the tests of extended attributes,
 * times and owners, which the kernel judges in its inode hooks whatever the call's form.
 *
 *   wattr PATH OP...
 *
 * OP is one of
 *   set=NAME      setxattr(2) NAME to "v"        lset=NAME  lsetxattr(2)
 *   fset=NAME     fsetxattr(2) on PATH opened read-only
 *   rm=NAME       removexattr(2)                 frm=NAME   fremovexattr(2), opened read-only
 *   acl           setxattr(2) system.posix_acl_access to a minimal ACL (owner rw, others r)
 *   cap           setxattr(2) security.capability to a valid value (CAP_NET_RAW permitted)
 *   times         utimensat(2) with explicit times
 *   now           utimensat(2) with NULL (the current time)
 *   futimens      futimens(2) with explicit times on PATH opened read-only
 *   chown=UID     chown(2) to UID, group unchanged
 * Exits 0 when every operation succeeded, 1 otherwise, 2 on usage errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* the xattr form of a POSIX ACL (include/uapi/linux/posix_acl_xattr.h) */
struct acl_entry {
	uint16_t tag;
	uint16_t perm;
	uint32_t id;
};

static int with_fd(const char *path, const char *op, const char *name)
{
	int fd = open(path, O_RDONLY), err = 0;
	struct timespec ts[2] = { { 1000000, 0 }, { 1000000, 0 } };

	if (fd < 0)
		return errno;
	if (!strcmp(op, "fset"))
		err = fsetxattr(fd, name, "v", 1, 0) ? errno : 0;
	else if (!strcmp(op, "frm"))
		err = fremovexattr(fd, name) ? errno : 0;
	else
		err = futimens(fd, ts) ? errno : 0;
	close(fd);
	return err;
}

static int set_acl(const char *path)
{
	struct {
		uint32_t version;
		struct acl_entry e[3];
	} __attribute__((packed))
	acl = { 2, { { 0x01, 6, -1 }, { 0x04, 4, -1 }, { 0x20, 4, -1 } } };

	return setxattr(path, "system.posix_acl_access", &acl, sizeof(acl), 0) ? errno : 0;
}

static int set_cap(const char *path)
{
	/* struct vfs_cap_data, VFS_CAP_REVISION_2 (include/uapi/linux/capability.h) */
	uint32_t cap[5] = { 0x02000000, 1 << 13, 0, 0, 0 };

	return setxattr(path, "security.capability", cap, sizeof(cap), 0) ? errno : 0;
}

static int one(const char *path, const char *arg)
{
	struct timespec ts[2] = { { 1000000, 0 }, { 1000000, 0 } };
	const char *eq = strchr(arg, '=');
	char op[16] = "";
	const char *name = eq ? eq + 1 : "";

	if ((eq ? (size_t)(eq - arg) : strlen(arg)) >= sizeof(op))
		return -1;
	memcpy(op, arg, eq ? (size_t)(eq - arg) : strlen(arg));
	if (!strcmp(op, "set"))
		return setxattr(path, name, "v", 1, 0) ? errno : 0;
	if (!strcmp(op, "lset"))
		return lsetxattr(path, name, "v", 1, 0) ? errno : 0;
	if (!strcmp(op, "rm"))
		return removexattr(path, name) ? errno : 0;
	if (!strcmp(op, "fset") || !strcmp(op, "frm") || !strcmp(op, "futimens"))
		return with_fd(path, op, name);
	if (!strcmp(op, "acl"))
		return set_acl(path);
	if (!strcmp(op, "cap"))
		return set_cap(path);
	if (!strcmp(op, "times"))
		return utimensat(AT_FDCWD, path, ts, 0) ? errno : 0;
	if (!strcmp(op, "now"))
		return utimensat(AT_FDCWD, path, NULL, 0) ? errno : 0;
	if (!strcmp(op, "chown"))
		return chown(path, atoi(name), -1) ? errno : 0;
	return -1;
}

int main(int argc, char **argv)
{
	int i, err, failed = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: wattr PATH OP...\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		err = one(argv[1], argv[i]);
		if (err < 0) {
			fprintf(stderr, "wattr: unknown operation '%s'\n", argv[i]);
			return 2;
		}
		printf("%s%s:%s", i > 2 ? " " : "", argv[i],
		       err ? (strerrorname_np(err) ? strerrorname_np(err) : "EUNKNOWN") : "ok");
		failed |= !!err;
	}
	putchar('\n');
	return failed;
}
