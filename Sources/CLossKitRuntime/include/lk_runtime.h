/* Private helpers of liblosskit.so that are easiest in C: the per-thread last-error buffer.
 * Not part of the public ABI: hidden, so the library exports exactly what losskit.h declares. */
#ifndef LK_RUNTIME_H
#define LK_RUNTIME_H

#include <stddef.h>

#define LK_RUNTIME_INTERNAL __attribute__((visibility("hidden")))

/* Records `message` (truncated to the buffer) as this thread's last error. */
LK_RUNTIME_INTERNAL void lk_runtime_set_error(const char *message);

/* The version string, from the version macros of losskit.h. */
LK_RUNTIME_INTERNAL const char *lk_runtime_version(void);

#endif
