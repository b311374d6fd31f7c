// SPDX-License-Identifier: GPL-2.0
/* The sources of installed policies, for `warden query` (see applied.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "applied.h"

/*
 * An open directory below /run/warden (name: "policies", "rulesets"), created when create is
 * set: each level opened without following a symlink and refused unless root owns it and no one
 * else may write it, so that a confined root process that replaced one with a symlink or a
 * directory of its own does not lead warden to write or delete elsewhere. -errno otherwise.
 */
static int open_checked(int at, const char *name, int create)
{
	struct stat st;
	int fd;

	if (create && mkdirat(at, name, 0700) && errno != EEXIST)
		return -errno;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_uid != 0 || (st.st_mode & 022)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

int applied_dir_open(const char *name, int create)
{
	int top = open_checked(AT_FDCWD, "/run/warden", create), fd;

	if (top < 0)
		return top;
	fd = open_checked(top, name, create);
	close(top);
	return fd;
}

int applied_write_file(int dir, const char *name, const char *data, size_t len)
{
	char tmp[NAME_MAX + 1];
	ssize_t n;
	int fd, ret = 0;

	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid());
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (len && !ret) {
		n = write(fd, data, len);
		if (n < 0) {
			ret = -errno;
			break;
		}
		data += n;
		len -= (size_t)n;
	}
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && renameat(dir, tmp, dir, name))
		ret = -errno;
	if (ret)
		unlinkat(dir, tmp, 0);
	return ret;
}

int applied_read_file(int dir, const char *name, char **ret_data, size_t *ret_len)
{
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	FILE *mem, *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char buf[65536];
	size_t n;
	int ret;

	*ret_data = NULL;
	*ret_len = 0;
	if (!f) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		return ret;
	}
	mem = open_memstream(ret_data, ret_len);
	ret = mem ? 0 : -ENOMEM;
	while (!ret && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (fwrite(buf, 1, n, mem) != n)
			ret = -ENOMEM;
	if (!ret && ferror(f))
		ret = -EIO;
	if (mem && fclose(mem) && !ret)
		ret = -ENOMEM;
	fclose(f);
	if (ret) {
		free(*ret_data);
		*ret_data = NULL;
	}
	return ret;
}

void applied_forget_dir(const char *name)
{
	int fd = applied_dir_open(name, 0);
	struct dirent *e;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (e->d_type == DT_REG)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

int applied_save(const struct policy *p)
{
	char name[NAME_MAX + 1];
	int dir, ret;

	if (!p->source)
		return 0;
	dir = applied_dir_open(WARDEN_APPLIED_NAME, 1);
	if (dir < 0)
		return dir;
	snprintf(name, sizeof(name), "%s.file", p->name.s);
	ret = applied_write_file(dir, name, p->file, strlen(p->file));
	snprintf(name, sizeof(name), "%s.yaml", p->name.s);
	if (!ret)
		ret = applied_write_file(dir, name, p->source, p->source_len);
	close(dir);
	return ret;
}

void applied_forget(const char *name)
{
	char file[NAME_MAX + 1];
	int dir = applied_dir_open(WARDEN_APPLIED_NAME, 0);

	if (dir < 0)
		return;
	snprintf(file, sizeof(file), "%s.yaml", name);
	unlinkat(dir, file, 0);
	snprintf(file, sizeof(file), "%s.file", name);
	unlinkat(dir, file, 0);
	close(dir);
}

void applied_forget_all(void)
{
	applied_forget_dir(WARDEN_APPLIED_NAME);
}

int applied_load(const char *name, struct policy **ret_policy, struct policy_diags *diags)
{
	char path[PATH_MAX], file[NAME_MAX + 1], *text = NULL, *from = NULL;
	size_t len = 0, from_len = 0;
	int ret, dir = applied_dir_open(WARDEN_APPLIED_NAME, 0);

	if (dir < 0)
		return dir;
	snprintf(file, sizeof(file), "%s.file", name);
	applied_read_file(dir, file, &from, &from_len);
	snprintf(path, sizeof(path), "%s/%s.yaml", WARDEN_APPLIED_DIR, name);
	snprintf(file, sizeof(file), "%s.yaml", name);
	ret = applied_read_file(dir, file, &text, &len);
	close(dir);
	if (!ret)
		ret = policy_parse_string(from && from_len && from_len < PATH_MAX ? from : path,
					  text, len, ret_policy, diags);
	free(text);
	free(from);
	return ret;
}
