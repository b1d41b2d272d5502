/* Private C helpers of the LossKit core for what Swift cannot reach directly. Hidden, so
 * liblosskit.so exports exactly what losskit.h declares. */
#ifndef LK_SUPPORT_H
#define LK_SUPPORT_H

/* The number of CPUs in the calling thread's affinity mask (sched_getaffinity), or the number
 * of online CPUs if that fails; at least 1. */
__attribute__((visibility("hidden"))) int lk_support_available_cpus(void);

#endif
