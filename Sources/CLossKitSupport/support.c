#define _GNU_SOURCE
#include "lk_support.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

int lk_support_available_cpus(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

/* Allocations left before lk_support_allocate fails; negative: no limit (the default). */
static _Atomic long long allocations_left = -1;

void lk_support_fail_allocations(long long after_n) {
    atomic_store(&allocations_left, after_n < 0 ? -1 : after_n);
}

void *lk_support_allocate(size_t bytes) {
    long long left = atomic_load_explicit(&allocations_left, memory_order_relaxed);
    while (left >= 0) {
        if (left == 0) return NULL;
        if (atomic_compare_exchange_weak(&allocations_left, &left, left - 1)) break;
    }
    return malloc(bytes ? bytes : 1);
}
