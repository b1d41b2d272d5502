/* Private helpers of liblosskit.so that are easiest in C: the per-thread last-error buffer.
 * Not part of the public ABI. */
#ifndef LK_RUNTIME_H
#define LK_RUNTIME_H

#include <stddef.h>

/* Records `message` (truncated to the buffer) as this thread's last error. */
void lk_runtime_set_error(const char *message);

/* The version string, from the version macros of losskit.h. */
const char *lk_runtime_version(void);

#endif
