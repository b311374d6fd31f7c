/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WARDEN_LOG_H
#define WARDEN_LOG_H

#include <stdarg.h>
#include <time.h>

/* Set by -v: show libbpf's own messages and warden's progress lines. */
extern int log_verbose;

/* "warden: <message>" on stderr. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What a long-running command did (the daemon), also "warden: <message>" on stderr. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Progress for -v only. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Milliseconds since *since (CLOCK_MONOTONIC), for progress lines; *since becomes now. */
double log_lap_ms(struct timespec *since);
/* Route libbpf's messages through log_verbose; install once before any libbpf call. */
void log_setup_libbpf(void);

#endif
