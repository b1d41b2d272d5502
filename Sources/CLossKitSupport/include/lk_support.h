/* Private C helpers of the LossKit core for what Swift cannot reach directly. Hidden, so
 * liblosskit.so exports exactly what losskit.h declares. */
#ifndef LK_SUPPORT_H
#define LK_SUPPORT_H

#include <stddef.h>

/* The number of CPUs in the calling thread's affinity mask (sched_getaffinity), or the number
 * of online CPUs if that fails; at least 1. */
__attribute__((visibility("hidden"))) int lk_support_available_cpus(void);

/* Memory for a driver's scratch: malloc(bytes), or NULL when it cannot be had (never traps,
 * unlike Swift's allocate). Also NULL when the testing limit set by lk_support_fail_allocations
 * is used up. Release with free(). */
__attribute__((visibility("hidden"))) void *lk_support_allocate(size_t bytes);

/* The testing limit of lk_support_allocate, process-wide: after_n >= 0 lets the next after_n
 * allocations succeed and makes every later one fail; after_n < 0 removes the limit. The count
 * is one atomic, so allocations racing on several threads use it up exactly once each. */
__attribute__((visibility("hidden"))) void lk_support_fail_allocations(long long after_n);

/* Hints that the cache line holding p will be read soon. A hint only: it never faults,
 * whatever p points to. */
static inline void lk_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#if defined(__AVX512F__)
#include <immintrin.h>

/* 16 floats and 8 doubles: Swift imports these as SIMD16<Float> and SIMD8<Double>. */
typedef float lk_f32x16 __attribute__((ext_vector_type(16)));
typedef double lk_f64x8 __attribute__((ext_vector_type(8)));

/* x·2^n lane by lane for integral n, rounded once (AVX-512 vscalef): exact scaling in the
 * normal range, one correct rounding into the subnormal range, ±inf or 0 beyond it. */
static inline lk_f32x16 lk_scalef_f32x16(lk_f32x16 x, lk_f32x16 n) {
    return (lk_f32x16)_mm512_scalef_ps((__m512)x, (__m512)n);
}
static inline lk_f64x8 lk_scalef_f64x8(lk_f64x8 x, lk_f64x8 n) {
    return (lk_f64x8)_mm512_scalef_pd((__m512d)x, (__m512d)n);
}
#endif

#endif
