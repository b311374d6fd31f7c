// SPDX-License-Identifier: GPL-2.0
/*
 * warden daemon --metrics: the HTTP side. A non-blocking listening socket and at most
 * MAX_CLIENTS connections, polled with the event ring buffer in the daemon's loop: a request
 * is read whole (at most REQUEST_MAX bytes), answered, and the connection closed. A client
 * gets CLIENT_TIMEOUT_MS for all of it; the daemon never blocks on one.
 */
#define _GNU_SOURCE /* accept4 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <linux/types.h>
#include "../bpf/abi.h"
#include "events.h"
#include "log.h"
#include "maps.h"
#include "metrics.h"
#include "version.h"

#define MAX_CLIENTS 16
#define REQUEST_MAX 4096
#define CLIENT_TIMEOUT_MS 5000
#define MAX_EVENT_SERIES 4096 /* policy, op and action triples kept; more are not counted */
#define MAX_PROGRAMS 128

struct client {
	int fd; /* -1: a free slot */
	long deadline_ms;
	char req[REQUEST_MAX];
	size_t len;
	char *resp; /* NULL until the request is complete */
	size_t resp_len, sent;
};

struct metrics {
	int fd;
	const struct warden_maps *maps;
	struct client clients[MAX_CLIENTS];
	struct metrics_event_count *events;
	size_t nevents;
	struct metrics_sync sync;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int metrics_open(const char *addr, const struct warden_maps *maps, struct metrics **ret)
{
	struct sockaddr_storage ss;
	struct metrics *mx;
	socklen_t len;
	int one = 1, err;

	if (metrics_parse_addr(addr, &ss, &len))
		return -EINVAL;
	mx = calloc(1, sizeof(*mx));
	if (!mx)
		return -ENOMEM;
	mx->maps = maps;
	mx->fd = -1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		mx->clients[i].fd = -1;
	mx->events = calloc(MAX_EVENT_SERIES, sizeof(*mx->events));
	mx->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!mx->events || mx->fd < 0)
		goto fail;
	setsockopt(mx->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(mx->fd, (struct sockaddr *)&ss, len) || listen(mx->fd, 64))
		goto fail;
	*ret = mx;
	return 0;
fail:
	err = -errno;
	metrics_free(mx);
	return err ? err : -ENOMEM;
}

static void client_close(struct client *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	free(c->resp);
	c->fd = -1;
	c->resp = NULL;
	c->len = c->resp_len = c->sent = 0;
}

void metrics_free(struct metrics *mx)
{
	if (!mx)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		client_close(&mx->clients[i]);
	if (mx->fd >= 0)
		close(mx->fd);
	free(mx->events);
	free(mx);
}

void metrics_count_event(struct metrics *mx, const struct event_view *ev)
{
	struct metrics_event_count *c;
	size_t i;

	if (!mx)
		return;
	for (i = 0; i < mx->nevents; i++) {
		c = &mx->events[i];
		if (c->op == ev->op && c->action == ev->action && !strcmp(c->policy, ev->policy)) {
			c->n++;
			return;
		}
	}
	if (mx->nevents == MAX_EVENT_SERIES)
		return;
	c = &mx->events[mx->nevents++];
	snprintf(c->policy, sizeof(c->policy), "%s", ev->policy);
	c->op = ev->op;
	c->action = ev->action;
	c->n = 1;
}

void metrics_synced(struct metrics *mx, int ok, unsigned int invalid_files)
{
	struct timespec ts;

	if (!mx)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	mx->sync.done = 1;
	mx->sync.ok = ok;
	mx->sync.invalid_files = invalid_files;
	mx->sync.time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	mx->sync.total++;
	mx->sync.failed += !ok;
}

struct policies {
	const struct warden_maps *maps;
	struct metrics_policy *v;
	size_t n;
};

static int count_binding(uint64_t cgroup_id, void *arg)
{
	(void)cgroup_id;
	(*(uint64_t *)arg)++;
	return 0;
}

/*
 * The policy's refusals by op, for every op warden names (zeros included: a series exists
 * from the policy's install on, so rate() and increase() see its first refusal).
 */
static void collect_ops(const struct warden_maps *m, uint32_t id, struct metrics_policy *mp)
{
	struct warden_op_counts c[WARDEN_OP_SLOTS] = { 0 };
	unsigned int op;

	maps_op_counters(m, id, c);
	mp->nops = 0;
	for (op = 1; op < WARDEN_OP_SLOTS; op++) {
		const char *name = events_op_name(op);

		if (!strcmp(name, "unknown"))
			continue;
		mp->ops[mp->nops++] = (struct metrics_op){ name, c[op].denied, c[op].audited };
	}
}

static int collect_policy(uint32_t id, const struct warden_policy *p, void *arg)
{
	struct policies *ps = arg;
	struct metrics_policy *mp;
	struct maps_counters cnt = { 0 };

	if (ps->n == WARDEN_MAX_POLICIES)
		return 0;
	mp = &ps->v[ps->n++];
	snprintf(mp->name, sizeof(mp->name), "%.*s", WARDEN_NAME_MAX, p->name);
	mp->mode = (p->flags & WARDEN_POLICY_CANDIDATE) ? "candidate" :
		   (p->flags & WARDEN_POLICY_AUDIT)	? "audit" :
							  "enforce";
	mp->generation = p->generation;
	maps_counters(ps->maps, id, &cnt);
	mp->allowed = cnt.allowed;
	mp->cached = cnt.cached;
	mp->dropped = cnt.dropped;
	collect_ops(ps->maps, id, mp);
	mp->cgroups = 0;
	if (!(p->flags & WARDEN_POLICY_CANDIDATE))
		maps_for_each_binding(ps->maps, id, count_binding, &mp->cgroups);
	return 0;
}

static int cmp_program(const void *a, const void *b)
{
	return strcmp(((const struct metrics_program *)a)->name,
		      ((const struct metrics_program *)b)->name);
}

/* The pinned programs (prog_NAME) and what bpf_stats counted of them. */
static size_t collect_programs(struct metrics_program *v, size_t max)
{
	DIR *dp = opendir(WARDEN_PIN_ROOT);
	struct dirent *de;
	size_t n = 0;

	if (!dp)
		return 0;
	while ((de = readdir(dp)) && n < max) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		char path[512];
		int fd;

		if (strncmp(de->d_name, "prog_", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s", WARDEN_PIN_ROOT, de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			snprintf(v[n].name, sizeof(v[n].name), "%s", de->d_name + 5);
			v[n].run_cnt = info.run_cnt;
			v[n].run_time_ns = info.run_time_ns;
			n++;
		}
		close(fd);
	}
	closedir(dp);
	qsort(v, n, sizeof(*v), cmp_program);
	return n;
}

static int stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* The body of /metrics, or NULL when memory is short. */
static char *render_metrics(struct metrics *mx, size_t *ret_len)
{
	struct metrics_snapshot s = { .version = WARDEN_VERSION, .sync = mx->sync };
	struct policies ps = { .maps = mx->maps };
	struct metrics_program *progs = calloc(MAX_PROGRAMS, sizeof(*progs));
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	ps.v = calloc(WARDEN_MAX_POLICIES, sizeof(*ps.v));
	if (!progs || !ps.v)
		goto out;
	s.attached = loader_is_loaded();
	s.stats_enabled = stats_enabled();
	maps_for_each_policy(mx->maps, collect_policy, &ps);
	s.policies = ps.v;
	s.npolicies = ps.n;
	s.nprograms = collect_programs(progs, MAX_PROGRAMS);
	s.programs = progs;
	s.events = mx->events;
	s.nevents = mx->nevents;
	f = open_memstream(&body, &len);
	if (!f)
		goto out;
	metrics_render(f, &s);
	if (fclose(f)) {
		free(body);
		body = NULL;
	}
	*ret_len = len;
out:
	free(progs);
	free(ps.v);
	return body;
}

static void respond(struct client *c, int status, const char *reason, const char *type,
		    const char *extra, const char *body, size_t body_len)
{
	char *r = NULL;
	int n;

	n = asprintf(&r,
		     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
		     "Connection: close\r\n\r\n%.*s",
		     status, reason, type, body_len, extra, (int)body_len, body);
	if (n < 0) {
		client_close(c);
		return;
	}
	c->resp = r;
	c->resp_len = (size_t)n;
	c->sent = 0;
}

static void respond_text(struct client *c, int status, const char *reason, const char *extra,
			 const char *text)
{
	respond(c, status, reason, "text/plain; charset=utf-8", extra, text, strlen(text));
}

/* A complete request in c->req: its response. */
static void handle(struct metrics *mx, struct client *c)
{
	char method[16], target[256], *q;
	char reason[128], text[160];

	if (sscanf(c->req, "%15s %255s HTTP/", method, target) != 2) {
		respond_text(c, 400, "Bad Request", "", "bad request\n");
		return;
	}
	if (strcmp(method, "GET")) {
		respond_text(c, 405, "Method Not Allowed", "Allow: GET\r\n", "only GET\n");
		return;
	}
	q = strchr(target, '?');
	if (q)
		*q = 0;
	if (!strcmp(target, "/metrics")) {
		size_t len = 0;
		char *body = render_metrics(mx, &len);

		if (!body) {
			respond_text(c, 500, "Internal Server Error", "", "out of memory\n");
			return;
		}
		respond(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", "", body, len);
		free(body);
	} else if (!strcmp(target, "/healthz")) {
		struct metrics_snapshot s = { .sync = mx->sync, .attached = loader_is_loaded() };

		if (metrics_health(&s, reason, sizeof(reason))) {
			respond_text(c, 200, "OK", "", "ok\n");
		} else {
			snprintf(text, sizeof(text), "%s\n", reason);
			respond_text(c, 503, "Service Unavailable", "", text);
		}
	} else {
		respond_text(c, 404, "Not Found", "", "not found: try /metrics or /healthz\n");
	}
}

static void client_read(struct metrics *mx, struct client *c)
{
	ssize_t n = recv(c->fd, c->req + c->len, sizeof(c->req) - 1 - c->len, MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		client_close(c);
		return;
	}
	if (n < 0)
		return;
	c->len += (size_t)n;
	c->req[c->len] = 0;
	if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n"))
		handle(mx, c);
	else if (c->len == sizeof(c->req) - 1)
		respond_text(c, 431, "Request Header Fields Too Large", "", "request too large\n");
}

static void client_write(struct client *c)
{
	ssize_t n =
		send(c->fd, c->resp + c->sent, c->resp_len - c->sent, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		client_close(c);
		return;
	}
	c->sent += (size_t)n;
	if (c->sent == c->resp_len) {
		shutdown(c->fd, SHUT_WR);
		client_close(c);
	}
}

/* A free slot, or else the client that has waited longest (the earliest deadline). */
static struct client *slot_for_new(struct metrics *mx)
{
	struct client *oldest = &mx->clients[0];

	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &mx->clients[i];

		if (c->fd < 0)
			return c;
		if (c->deadline_ms < oldest->deadline_ms)
			oldest = c;
	}
	return oldest;
}

/*
 * Take the waiting connections, at most MAX_CLIENTS a call. When every slot is taken, the
 * client that has waited longest is dropped for the new one: idle connections (a confined
 * process can open them as fast as it likes) must not keep Prometheus and the liveness probe
 * out, and a real client's request is answered as soon as it arrives, long before it would be
 * the oldest.
 */
static void accept_clients(struct metrics *mx)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		int fd = accept4(mx->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct client *c;

		if (fd < 0)
			return;
		c = slot_for_new(mx);
		client_close(c);
		c->fd = fd;
		c->deadline_ms = now_ms() + CLIENT_TIMEOUT_MS;
	}
}

void metrics_wait(struct metrics *mx, int fd, int timeout_ms)
{
	struct pollfd pfd[2 + MAX_CLIENTS];
	struct client *who[2 + MAX_CLIENTS];
	int n = 0, i;
	long now = now_ms();

	pfd[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (!mx) {
		poll(pfd, 1, timeout_ms);
		return;
	}
	for (i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &mx->clients[i];

		if (c->fd < 0)
			continue;
		if (now >= c->deadline_ms) {
			client_close(c); /* too slow: the daemon has other work */
			continue;
		}
		if (c->deadline_ms - now < timeout_ms)
			timeout_ms = (int)(c->deadline_ms - now);
		who[n] = c;
		pfd[n++] = (struct pollfd){ .fd = c->fd, .events = c->resp ? POLLOUT : POLLIN };
	}
	who[n] = NULL;
	pfd[n++] = (struct pollfd){ .fd = mx->fd, .events = POLLIN };
	if (poll(pfd, (nfds_t)n, timeout_ms) <= 0)
		return;
	for (i = 1; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (!who[i]) {
			accept_clients(mx);
			continue;
		}
		if (pfd[i].revents & (POLLERR | POLLNVAL))
			client_close(who[i]);
		else if (!who[i]->resp)
			client_read(mx, who[i]);
		else
			client_write(who[i]);
		/* answer at once what was just read: most responses fit the socket's buffer */
		if (who[i]->fd >= 0 && who[i]->resp && who[i]->sent == 0)
			client_write(who[i]);
	}
}
