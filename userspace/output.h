/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WARDEN_OUTPUT_H
#define WARDEN_OUTPUT_H

#include <stdio.h>
#include <time.h>
#include "events.h"

/* s as a JSON string, quotes included. */
void output_json_string(FILE *f, const char *s);
/* RFC 3339 in UTC with nanoseconds: 2026-11-26T19:40:01.123456789Z */
void output_rfc3339(FILE *f, const struct timespec *ts);

/* One event, one line. */
/* What a tamper event tried (WARDEN_TAMPER_*: "what" in JSON), "unknown" for no such. */
const char *output_tamper_name(unsigned int what);
void output_event_text(FILE *f, const struct event_view *ev);
void output_event_json(FILE *f, const struct event_view *ev);

#endif
