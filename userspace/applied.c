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

static int mkdirs(void)
{
	if (mkdir("/run/warden", 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(WARDEN_APPLIED_DIR, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int applied_write_file(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX];
	ssize_t n;
	int fd, ret = 0;

	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
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
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

int applied_save(const struct policy *p)
{
	char path[PATH_MAX];
	int ret;

	if (!p->source)
		return 0;
	ret = mkdirs();
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%s.file", WARDEN_APPLIED_DIR, p->name.s);
	ret = applied_write_file(path, p->file, strlen(p->file));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%s.yaml", WARDEN_APPLIED_DIR, p->name.s);
	return applied_write_file(path, p->source, p->source_len);
}

void applied_forget(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.yaml", WARDEN_APPLIED_DIR, name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.file", WARDEN_APPLIED_DIR, name);
	unlink(path);
}

void applied_forget_dir(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

void applied_forget_all(void)
{
	applied_forget_dir(WARDEN_APPLIED_DIR);
}

int applied_read_file(const char *path, char **ret_data, size_t *ret_len)
{
	FILE *mem, *f = fopen(path, "re");
	char buf[65536];
	size_t n;
	int ret;

	*ret_data = NULL;
	*ret_len = 0;
	if (!f)
		return -errno;
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

int applied_load(const char *name, struct policy **ret_policy, struct policy_diags *diags)
{
	char path[PATH_MAX], file[PATH_MAX] = "";
	char *text = NULL;
	size_t len = 0, n;
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s.file", WARDEN_APPLIED_DIR, name);
	f = fopen(path, "re");
	if (f) {
		n = fread(file, 1, sizeof(file) - 1, f);
		file[n] = 0;
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/%s.yaml", WARDEN_APPLIED_DIR, name);
	ret = applied_read_file(path, &text, &len);
	if (!ret)
		ret = policy_parse_string(file[0] ? file : path, text, len, ret_policy, diags);
	free(text);
	return ret;
}
