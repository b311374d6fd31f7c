// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cgroup.h"

/* kernfs file handles (FILEID_KERNFS) carry the node id, which is the cgroup id. */
#define FILEID_KERNFS 0xfe

struct cgroup_fh {
	struct file_handle fh;
	uint64_t id;
};

int cgroup_mount_point(char *buf, size_t size)
{
	char line[4096], mnt[PATH_MAX], type[64];
	FILE *f;
	int ret = -ENOENT;

	f = fopen("/proc/self/mounts", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %4095s %63s", mnt, type) != 2)
			continue;
		if (strcmp(type, "cgroup2"))
			continue;
		if ((size_t)snprintf(buf, size, "%s", mnt) >= size) {
			ret = -ENAMETOOLONG;
			break;
		}
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static int full_path(const char *mount, const char *path, char *buf, size_t size)
{
	if (strcmp(path, "/") == 0)
		path = "";
	if ((size_t)snprintf(buf, size, "%s%s", mount, path) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int cgroup_id(const char *mount, const char *path, uint64_t *ret_id)
{
	struct cgroup_fh h = { .fh.handle_bytes = sizeof(uint64_t) };
	char full[PATH_MAX];
	int mount_id, ret;

	ret = full_path(mount, path, full, sizeof(full));
	if (ret)
		return ret;
	if (name_to_handle_at(AT_FDCWD, full, &h.fh, &mount_id, 0) < 0)
		return -errno;
	if (h.fh.handle_bytes != sizeof(uint64_t))
		return -ENOTSUP;
	memcpy(ret_id, h.fh.f_handle, sizeof(*ret_id));
	return 0;
}

int cgroup_path(const char *mount, uint64_t id, char *buf, size_t size)
{
	struct cgroup_fh h = { .fh.handle_bytes = sizeof(uint64_t),
			       .fh.handle_type = FILEID_KERNFS };
	char link[64], target[PATH_MAX];
	size_t mlen = strlen(mount);
	int mfd, fd, ret = 0;
	ssize_t n;

	memcpy(h.fh.f_handle, &id, sizeof(id));
	mfd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return -errno;
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = errno == ESTALE ? -ENOENT : -errno;
		goto out;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	close(fd);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	target[n] = 0;
	if (strncmp(target, mount, mlen) || (target[mlen] && target[mlen] != '/')) {
		ret = -ENOENT; /* not below this mount (another namespace's view) */
		goto out;
	}
	if ((size_t)snprintf(buf, size, "%s", target[mlen] ? target + mlen : "/") >= size)
		ret = -ENAMETOOLONG;
out:
	close(mfd);
	return ret;
}

int cgroup_children(const char *mount, const char *path, cgroup_child_fn fn, void *ctx)
{
	char full[PATH_MAX], child[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int ret;

	ret = full_path(mount, path, full, sizeof(full));
	if (ret)
		return ret;
	dir = opendir(full);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		uint64_t id;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/*
		 * A child that cannot be named or identified would stay untagged, its processes
		 * unconfined: an error, never skipped.
		 */
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") ? path : "",
				     de->d_name) >= sizeof(child)) {
			ret = -ENAMETOOLONG;
			break;
		}
		ret = cgroup_id(mount, child, &id);
		if (ret == -ENOENT || ret == -ESTALE) {
			ret = 0;
			continue; /* removed while we walked: it has no processes to confine */
		}
		if (ret)
			break;
		ret = fn(child, id, ctx);
		if (ret)
			break;
	}
	closedir(dir);
	return ret;
}

/* The cgroup id of name in directory dfd; -ENOENT when it went away. */
static int id_at(int dfd, const char *name, uint64_t *ret_id)
{
	struct cgroup_fh h = { .fh.handle_bytes = sizeof(uint64_t) };
	int mount_id;

	if (name_to_handle_at(dfd, name, &h.fh, &mount_id, 0) < 0)
		return errno == ESTALE ? -ENOENT : -errno;
	if (h.fh.handle_bytes != sizeof(uint64_t))
		return -ENOTSUP;
	memcpy(ret_id, h.fh.f_handle, sizeof(*ret_id));
	return 0;
}

struct walk {
	cgroup_visit_fn fn;
	void *ctx;
	char path[CGROUP_WALK_PATH_MAX];
	size_t len; /* of path; past the buffer: too long to be named */
};

static int walk_below(struct walk *w, int dfd, uint64_t parent_value);

/* Visit dfd's child name, then walk below it; path (its name) is restored on return. */
static int walk_child(struct walk *w, int dfd, const char *name, uint64_t parent_value)
{
	size_t len = w->len, nlen = strlen(name);
	uint64_t id = 0, value = 0;
	int fd, ret;

	ret = id_at(dfd, name, &id);
	if (ret == -ENOENT)
		return 0; /* removed while we walked: it has no processes to confine */
	if (ret)
		return ret;
	if (len + 1 + nlen < sizeof(w->path)) {
		w->path[len] = '/';
		memcpy(w->path + len + 1, name, nlen + 1);
		w->len = len + 1 + nlen;
	} else {
		w->len = sizeof(w->path);
	}
	ret = w->fn(w->len < sizeof(w->path) ? w->path : NULL, id, parent_value, &value, w->ctx);
	if (!ret) {
		/* visited before its children are listed: cgroup.bpf.c relies on that order */
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			ret = errno == ENOENT ? 0 : -errno;
		else
			ret = walk_below(w, fd, value);
	}
	w->len = len;
	if (len < sizeof(w->path))
		w->path[len] = 0;
	return ret;
}

/* Takes dfd. */
static int walk_below(struct walk *w, int dfd, uint64_t parent_value)
{
	struct dirent *de;
	DIR *dir = fdopendir(dfd);
	int ret = 0;

	if (!dir) {
		ret = -errno;
		close(dfd);
		return ret;
	}
	while (!ret && (errno = 0, de = readdir(dir))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ret = walk_child(w, dirfd(dir), de->d_name, parent_value);
	}
	if (!ret && errno)
		ret = -errno; /* a child not listed would stay unconfined: an error */
	closedir(dir);
	return ret;
}

int cgroup_walk(const char *mount, cgroup_visit_fn fn, void *ctx)
{
	struct walk *w = calloc(1, sizeof(*w));
	uint64_t id, value = 0;
	int fd, ret;

	if (!w)
		return -ENOMEM;
	w->fn = fn;
	w->ctx = ctx;
	ret = cgroup_id(mount, "/", &id);
	if (!ret)
		ret = fn("/", id, 0, &value, ctx);
	fd = ret ? -1 : open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!ret && fd < 0)
		ret = -errno;
	if (!ret)
		ret = walk_below(w, fd, value);
	free(w);
	return ret;
}
