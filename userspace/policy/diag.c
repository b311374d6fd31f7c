// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"

void policy_diags_add(struct policy_diags *d, const char *file, int line, int column,
		      const char *fmt, ...)
{
	struct policy_diag *v;
	char *msg, *name;
	va_list ap;
	int len;

	/* all or nothing: a diagnostic without its message or file is not added */
	va_start(ap, fmt);
	len = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	name = strdup(file ? file : "<input>");
	v = name ? realloc(d->v, (d->n + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(name);
		free(msg);
		return;
	}
	d->v = v;
	v[d->n].file = name;
	v[d->n].line = line;
	v[d->n].column = column;
	v[d->n].message = msg;
	d->n++;
}

int policy_diag_format(const struct policy_diag *diag, char *buf, size_t size)
{
	if (diag->line > 0)
		return snprintf(buf, size, "%s:%d:%d: %s", diag->file, diag->line, diag->column,
				diag->message);
	return snprintf(buf, size, "%s: %s", diag->file, diag->message);
}

void policy_diags_free(struct policy_diags *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].message);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}
