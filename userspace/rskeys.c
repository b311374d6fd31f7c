// SPDX-License-Identifier: GPL-2.0
/* The keys each rule set wrote, to empty it without a scan of the rule maps (see rskeys.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "applied.h"
#include "maps.h"
#include "rskeys.h"

#define RSKEYS_MAGIC 0x6b737277u /* "wrsk" */

/* A list file: this header, then per trie key its parent, name length and name, then the
 * network keys whole. */
struct list_header {
	uint32_t magic;
	uint32_t ruleset;
	uint32_t nfs;
	uint32_t nnet;
};

/* A list read back: whole keys, each of the rule set it was read for. */
struct list {
	struct warden_fs_key *fs;
	struct warden_net_key *net;
	uint32_t nfs, nnet;
};

static struct warden_fs_key marker_key(uint32_t rs)
{
	struct warden_fs_key k;

	memset(&k, 0, sizeof(k));
	k.ruleset = rs;
	k.parent = WARDEN_FS_MARKER_PARENT;
	return k;
}

static void list_name(char *buf, size_t size, uint32_t rs)
{
	snprintf(buf, size, "%u", rs);
}

static int list_write(uint32_t rs, const struct warden_fs_key *fs, size_t nfs,
		      const struct warden_net_key *net, size_t nnet)
{
	struct list_header h = { RSKEYS_MAGIC, rs, (uint32_t)nfs, (uint32_t)nnet };
	size_t cap = sizeof(h) + nfs * (6 + WARDEN_COMPONENT_MAX) + nnet * sizeof(*net), off, i;
	char *buf = malloc(cap), name[16];
	uint16_t len;
	int dir, ret;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, &h, sizeof(h));
	off = sizeof(h);
	for (i = 0; i < nfs; i++) {
		len = (uint16_t)strnlen(fs[i].name, sizeof(fs[i].name));
		memcpy(buf + off, &fs[i].parent, 4);
		memcpy(buf + off + 4, &len, 2);
		memcpy(buf + off + 6, fs[i].name, len);
		off += 6 + len;
	}
	memcpy(buf + off, net, nnet * sizeof(*net));
	off += nnet * sizeof(*net);
	dir = applied_dir_open(WARDEN_RSKEYS_NAME, 1);
	list_name(name, sizeof(name), rs);
	ret = dir < 0 ? dir : applied_write_file(dir, name, buf, off);
	if (dir >= 0)
		close(dir);
	free(buf);
	return ret;
}

/*
 * The keys of rule set rs from its list, whatever the list says its rule set is: as many as
 * its marker counts (nfs and nnet), or -EINVAL.
 */
static int list_parse(uint32_t rs, const char *buf, size_t size, uint32_t nfs, uint32_t nnet,
		      struct list *l)
{
	struct list_header h;
	size_t off = sizeof(h), i;
	uint16_t len;

	if (size < sizeof(h))
		return -EINVAL;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != RSKEYS_MAGIC || h.ruleset != rs || h.nfs != nfs || h.nnet != nnet)
		return -EINVAL;
	l->fs = calloc(h.nfs ? h.nfs : 1, sizeof(*l->fs));
	l->net = calloc(h.nnet ? h.nnet : 1, sizeof(*l->net));
	if (!l->fs || !l->net)
		return -ENOMEM;
	for (i = 0; i < h.nfs; i++) {
		if (off + 6 > size)
			return -EINVAL;
		memcpy(&l->fs[i].parent, buf + off, 4);
		memcpy(&len, buf + off + 4, 2);
		/*
		 * never the marker: rule set rs holds its counted keys and the marker, so a list
		 * naming the marker in place of a key would delete as many and leave that key
		 */
		if (len >= WARDEN_COMPONENT_MAX || off + 6 + len > size ||
		    l->fs[i].parent == WARDEN_FS_MARKER_PARENT)
			return -EINVAL;
		memcpy(l->fs[i].name, buf + off + 6, len);
		l->fs[i].ruleset = rs;
		off += 6 + len;
	}
	if (size - off != h.nnet * sizeof(*l->net))
		return -EINVAL;
	memcpy(l->net, buf + off, h.nnet * sizeof(*l->net));
	for (i = 0; i < h.nnet; i++)
		l->net[i].ruleset = rs;
	l->nfs = h.nfs;
	l->nnet = h.nnet;
	return 0;
}

static int list_read(uint32_t rs, uint32_t nfs, uint32_t nnet, struct list *l)
{
	char name[16], *buf = NULL;
	size_t size = 0;
	int ret, dir = applied_dir_open(WARDEN_RSKEYS_NAME, 0);

	if (dir < 0)
		return dir;
	list_name(name, sizeof(name), rs);
	ret = applied_read_file(dir, name, &buf, &size);
	close(dir);
	if (!ret)
		ret = list_parse(rs, buf, size, nfs, nnet, l);
	free(buf);
	return ret;
}

int rskeys_begin(const struct warden_maps *m, uint32_t rs, const struct warden_fs_key *fs,
		 size_t nfs, const struct warden_net_key *net, size_t nnet)
{
	struct warden_fs_key mk = marker_key(rs);
	struct warden_fs_node count = { .deny = (__u32)nfs, .allow = (__u32)nnet };

	if (!list_write(rs, fs, nfs, net, nnet) &&
	    !bpf_map_update_elem(m->fs_rule, &mk, &count, BPF_ANY))
		return 0;
	/* no list or no count, no marker: the scan will empty this rule set */
	if (bpf_map_delete_elem(m->fs_rule, &mk) && errno != ENOENT)
		return -errno;
	return 0;
}

int rskeys_clear(const struct warden_maps *m, uint32_t rs)
{
	struct warden_fs_key mk = marker_key(rs);
	struct warden_fs_node count;
	struct list l = { 0 };
	long gone;
	int ret = 1;

	if (bpf_map_lookup_elem(m->fs_rule, &mk, &count))
		return errno == ENOENT ? 1 : -errno;
	if (!count.deny && !count.allow)
		return 0;
	if (!list_read(rs, count.deny, count.allow, &l)) {
		/* as many of its keys as were written are gone: nothing of it is left */
		gone = maps_fs_delete(m, l.fs, l.nfs);
		if (gone == count.deny) {
			gone = maps_delete_keys(m->net_rule, l.net, sizeof(*l.net), l.nnet);
			ret = gone == count.allow ? 0 : 1;
		}
		if (gone < 0)
			ret = (int)gone;
	}
	free(l.fs);
	free(l.net);
	return ret;
}

int rskeys_empty(const struct warden_maps *m, uint32_t rs)
{
	struct warden_fs_key mk = marker_key(rs);
	struct warden_fs_node none = { 0 };
	int dir = applied_dir_open(WARDEN_RSKEYS_NAME, 0);
	char name[16];

	list_name(name, sizeof(name), rs);
	if (dir >= 0) {
		unlinkat(dir, name, 0);
		close(dir);
	}
	/* a map too full for the marker: none, and the next clear scans */
	if (bpf_map_update_elem(m->fs_rule, &mk, &none, BPF_ANY) &&
	    bpf_map_delete_elem(m->fs_rule, &mk) && errno != ENOENT)
		return -errno;
	return 0;
}

void rskeys_forget_all(void)
{
	applied_forget_dir(WARDEN_RSKEYS_NAME);
}
