/* The parts of the C ABI that need no Swift: version, status names, the per-thread last
 * error. Including the public header here makes the compiler check these definitions
 * against their declarations. */
#include "../../include/losskit.h"
#include "lk_runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define LK_STR2(x) #x
#define LK_STR(x) LK_STR2(x)

static _Thread_local char last_error[1024];

/* Copies as much of `message` as fits, never cutting a UTF-8 character in half (a partial one
 * would make the whole message undecodable, e.g. for Python). */
void lk_runtime_set_error(const char *message) {
    if (!message) message = "";
    size_t n = strnlen(message, sizeof last_error - 1);
    if (message[n] != '\0')
        while (n > 0 && ((unsigned char)message[n] & 0xC0) == 0x80) n--; /* back to the lead byte */
    memcpy(last_error, message, n);
    last_error[n] = '\0';
}

const char *lk_runtime_version(void) {
    return LK_STR(LK_VERSION_MAJOR) "." LK_STR(LK_VERSION_MINOR) "." LK_STR(LK_VERSION_PATCH);
}

LK_API const char *lk_version(void) { return lk_runtime_version(); }

LK_API int32_t lk_version_number(void) { return LK_VERSION_NUMBER; }

LK_API const char *lk_last_error(void) { return last_error; }

/* The instruction set this copy of the library was compiled for. The package ships a portable
 * build and tuned ones in glibc-hwcaps/ subfolders; the dynamic loader picks the best one the
 * CPU supports, and this says which one it picked. */
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define LK_ISA "x86-64-v4"
#elif defined(__AVX2__) && defined(__FMA__)
#define LK_ISA "x86-64-v3"
#elif defined(__x86_64__)
#define LK_ISA "x86-64"
#elif defined(__aarch64__)
#define LK_ISA "aarch64"
#else
#define LK_ISA "unknown"
#endif

static char build_info[256];
static pthread_once_t build_info_once = PTHREAD_ONCE_INIT;

static void describe_build(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    const char *best = __builtin_cpu_supports("x86-64-v4")   ? "x86-64-v4"
                       : __builtin_cpu_supports("x86-64-v3") ? "x86-64-v3"
                                                             : "x86-64";
#else
    const char *best = LK_ISA;
#endif
    snprintf(build_info, sizeof build_info, "{\"version\": \"%s\", \"isa\": \"%s\", \"cpu_best_isa\": \"%s\"}",
             lk_runtime_version(), LK_ISA, best);
}

LK_API const char *lk_build_info(void) {
    pthread_once(&build_info_once, describe_build);
    return build_info;
}

LK_API const char *lk_status_name(lk_status status) {
    switch (status) {
    case LK_OK: return "LK_OK";
    case LK_ERR_INVALID_ARGUMENT: return "LK_ERR_INVALID_ARGUMENT";
    case LK_ERR_SHAPE: return "LK_ERR_SHAPE";
    case LK_ERR_DTYPE: return "LK_ERR_DTYPE";
    case LK_ERR_INDEX: return "LK_ERR_INDEX";
    case LK_ERR_NULL_POINTER: return "LK_ERR_NULL_POINTER";
    case LK_ERR_UNKNOWN_LOSS: return "LK_ERR_UNKNOWN_LOSS";
    case LK_ERR_INTERNAL: return "LK_ERR_INTERNAL";
    case LK_ERR_OUT_OF_MEMORY: return "LK_ERR_OUT_OF_MEMORY";
    default: return "LK_UNKNOWN_STATUS";
    }
}
