/*
 * fuzz_abi.c: calls every lk_* function of losskit.h with random and hostile arguments and
 * checks that the library keeps the header's promises whatever it is given:
 *  - it returns a documented status (or a newer code that lk_status_name knows), and on an
 *    error lk_last_error() is a non-empty message;
 *  - arguments the header makes invalid (bad ids, dtypes, reductions, weightings, flags, NaN or
 *    out-of-range parameters and weights, NULL required arrays, class indices outside
 *    [0, classes) that are not ignore_index, lengths no array can have, products of lengths
 *    that overflow) are refused, never accepted;
 *  - it reads and writes only the arrays it is given: every array ends right at a PROT_NONE
 *    guard page or at a canary, with a canary before it, so a read or write past either end
 *    faults or is caught, and every input is checksummed and checked unchanged afterwards.
 * Loss ids, kinds, parameter counts, ranges and flags come from lk_catalogue_json(), so a new
 * loss is fuzzed without editing this file.
 *
 * Usage: fuzz_abi [cases [seed [first]]]  (defaults 200000 cases, seed 1, first case 0).
 * Case k draws from its own generator seeded by (seed, k), so `fuzz_abi 1 SEED K` replays
 * case K alone. Prints "FAIL case K (function): why" per problem and a last line
 * "fuzz_abi: N passed, M failed"; exits 1 if any case failed. A crash prints the case first.
 *
 * Build: cc -std=c11 -I include tests/c/fuzz_abi.c -L <dir> -llosskit -Wl,-rpath,<dir> -lm
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */

#include "losskit.h"

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif

/* ------------------------------------------------------------------------------------------
 * Random numbers: splitmix64, one stream per case. Every draw is its own statement or sequenced
 * by && ?: , so that a case is the same whatever order a compiler evaluates arguments in.
 * ---------------------------------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t next_u64(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static size_t below(size_t n) { return n ? (size_t)(next_u64() % n) : 0; }  /* in [0, n) */
static int chance(double p) { return (double)(next_u64() >> 11) * 0x1.0p-53 < p; }
static double uniform(void) { return ((double)(next_u64() >> 11) + 0.5) * 0x1.0p-53; }  /* (0, 1) */
static double normal(void) {
    double u = uniform(), v = uniform();  /* drawn in this order whatever the compiler */
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* A small count, biased towards the edges 0 and 1. */
static size_t small_count(size_t max) {
    if (chance(0.1)) return 0;
    if (chance(0.1)) return 1;
    return 1 + below(max);
}

/* A length no array can have (more than INT64_MAX / 8 elements). */
static size_t absurd_length(void) {
    static const size_t values[] = {(size_t)1 << 61, (size_t)1 << 62, (size_t)INT64_MAX,
                                    (size_t)INT64_MAX + 1, SIZE_MAX - 1, SIZE_MAX};
    return values[below(sizeof values / sizeof values[0])];
}

/* ------------------------------------------------------------------------------------------
 * The catalogue, read from lk_catalogue_json() with a minimal JSON reader
 * ---------------------------------------------------------------------------------------- */

typedef struct JValue JValue;
struct JValue {
    enum { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT } type;
    double number;     /* J_NUMBER, J_BOOL */
    char *string;      /* J_STRING */
    size_t count;      /* J_ARRAY, J_OBJECT */
    char **keys;       /* J_OBJECT */
    JValue *items;     /* J_ARRAY, J_OBJECT */
};

static const char *json_at;

static void json_space(void) { while (*json_at == ' ' || *json_at == '\n' || *json_at == '\t' || *json_at == '\r') json_at++; }

static void json_fail(const char *what) {
    fprintf(stderr, "fuzz_abi: cannot read lk_catalogue_json(): %s near \"%.30s\"\n", what, json_at);
    exit(2);
}

static char *json_string(void) {
    if (*json_at != '"') json_fail("expected a string");
    json_at++;
    size_t cap = 32, len = 0;
    char *s = malloc(cap);
    while (*json_at != '"') {
        if (!*json_at) json_fail("unterminated string");
        char c = *json_at++;
        if (c == '\\') {
            c = *json_at++;
            if (c == 'n') c = '\n';
            else if (c == 't') c = '\t';
            else if (c == 'u') { json_at += 4; c = '?'; }
        }
        if (len + 2 > cap) s = realloc(s, cap *= 2);
        s[len++] = c;
    }
    json_at++;
    s[len] = 0;
    return s;
}

static void json_value(JValue *v) {
    json_space();
    memset(v, 0, sizeof *v);
    if (*json_at == '{' || *json_at == '[') {
        int object = *json_at++ == '{';
        v->type = object ? J_OBJECT : J_ARRAY;
        size_t cap = 0;
        json_space();
        while (*json_at != (object ? '}' : ']')) {
            if (v->count == cap) {
                cap = cap ? 2 * cap : 8;
                v->items = realloc(v->items, cap * sizeof *v->items);
                if (object) v->keys = realloc(v->keys, cap * sizeof *v->keys);
            }
            if (object) {
                json_space();
                v->keys[v->count] = json_string();
                json_space();
                if (*json_at++ != ':') json_fail("expected ':'");
            }
            json_value(&v->items[v->count++]);
            json_space();
            if (*json_at == ',') { json_at++; json_space(); }
        }
        json_at++;
    } else if (*json_at == '"') {
        v->type = J_STRING;
        v->string = json_string();
    } else if (!strncmp(json_at, "null", 4)) {
        v->type = J_NULL; json_at += 4;
    } else if (!strncmp(json_at, "true", 4)) {
        v->type = J_BOOL; v->number = 1; json_at += 4;
    } else if (!strncmp(json_at, "false", 5)) {
        v->type = J_BOOL; json_at += 5;
    } else {
        char *end;
        v->type = J_NUMBER;
        v->number = strtod(json_at, &end);
        if (end == json_at) json_fail("unexpected character");
        json_at = end;
    }
}

static const JValue *json_get(const JValue *object, const char *key) {
    for (size_t i = 0; i < object->count; i++)
        if (!strcmp(object->keys[i], key)) return &object->items[i];
    return NULL;
}

static const char *json_text(const JValue *object, const char *key) {
    const JValue *v = json_get(object, key);
    return v && v->type == J_STRING ? v->string : "";
}

#define MAX_PARAMS 16
typedef struct {
    double fallback, lower, upper;  /* bounds are +-inf when the catalogue has null */
    int lower_inclusive, upper_inclusive, flag;
} Parameter;

typedef struct {
    int32_t id;
    const char *name, *kind, *input_domain, *target_domain, *row_target;
    int has_column, has_class_weight, parameter_grad;
    size_t n_params;
    Parameter params[MAX_PARAMS];
    /* embedding losses: how many inputs and whether a target, learnt by probing */
    int inputs, has_target;
} Loss;

static Loss *losses;
static size_t n_losses;

static double json_bound(const JValue *p, const char *key, double infinite) {
    const JValue *v = json_get(p, key);
    return v && v->type == J_NUMBER ? v->number : infinite;
}

static void read_catalogue(void) {
    static JValue root;
    json_at = lk_catalogue_json();
    if (!json_at) json_fail("NULL");
    json_value(&root);
    const JValue *list = json_get(&root, "losses");
    if (!list || list->type != J_ARRAY || !list->count) json_fail("no \"losses\" array");
    n_losses = list->count;
    losses = calloc(n_losses, sizeof *losses);
    for (size_t i = 0; i < n_losses; i++) {
        const JValue *e = &list->items[i];
        Loss *l = &losses[i];
        const JValue *id = json_get(e, "id"), *params = json_get(e, "parameters");
        if (!id || id->number != (double)i || !params || params->count > MAX_PARAMS) json_fail("a bad entry");
        l->id = (int32_t)i;
        l->name = json_text(e, "name");
        l->kind = json_text(e, "kind");
        l->input_domain = json_text(e, "input_domain");
        l->target_domain = json_text(e, "target_domain");
        l->row_target = json_text(e, "row_target");
        l->has_column = json_get(e, "column_parameter") && json_get(e, "column_parameter")->type == J_STRING;
        l->has_class_weight = json_get(e, "class_weight") && json_get(e, "class_weight")->type == J_STRING;
        l->parameter_grad = json_get(e, "parameter_grad") && json_get(e, "parameter_grad")->number != 0;
        l->n_params = params->count;
        for (size_t k = 0; k < params->count; k++) {
            const JValue *p = &params->items[k];
            Parameter *q = &l->params[k];
            q->fallback = json_bound(p, "default", 0);
            q->lower = json_bound(p, "lower", -INFINITY);
            q->upper = json_bound(p, "upper", INFINITY);
            q->lower_inclusive = json_get(p, "lower_inclusive") && json_get(p, "lower_inclusive")->number != 0;
            q->upper_inclusive = json_get(p, "upper_inclusive") && json_get(p, "upper_inclusive")->number != 0;
            q->flag = json_get(p, "flag") && json_get(p, "flag")->number != 0;
        }
    }
}

/* A random loss of `kind` ("" for any), or NULL if there is none. */
static const Loss *pick_loss(const char *kind) {
    size_t matching = 0;
    for (size_t i = 0; i < n_losses; i++) matching += !*kind || !strcmp(losses[i].kind, kind);
    if (!matching) return NULL;
    size_t k = below(matching);
    for (size_t i = 0; i < n_losses; i++)
        if ((!*kind || !strcmp(losses[i].kind, kind)) && k-- == 0) return &losses[i];
    return NULL;
}

/* ------------------------------------------------------------------------------------------
 * Guarded arrays: each in its own mapping, ending at a PROT_NONE page or at a canary, with a
 * canary before it and a PROT_NONE page before that
 * ---------------------------------------------------------------------------------------- */

#define SLOT_BYTES (64 * 1024)  /* room for one array and its canaries */
#define N_SLOTS 32
#define CANARY 64
#define CANARY_BYTE 0xA5
#define MAX_ELEMENTS ((SLOT_BYTES - 2 * CANARY) / 8)

typedef struct {
    unsigned char *base;       /* SLOT_BYTES between two guard pages */
    unsigned char *data;       /* the array handed to the library */
    size_t bytes;
    int tail_canary, is_input;
    uint64_t checksum;         /* of an input, before the call */
} Slot;

static Slot slots[N_SLOTS];
static int used_slots;
static size_t page;

static void map_slots(void) {
    page = (size_t)sysconf(_SC_PAGESIZE);
    for (int i = 0; i < N_SLOTS; i++) {
        unsigned char *m = mmap(NULL, SLOT_BYTES + 2 * page, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED || mprotect(m, page, PROT_NONE) || mprotect(m + page + SLOT_BYTES, page, PROT_NONE)) {
            perror("fuzz_abi: mmap");
            exit(2);
        }
        slots[i].base = m + page;
    }
}

static uint64_t fnv1a(const unsigned char *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* A guarded array of `bytes` (at most SLOT_BYTES - 2 * CANARY), filled with garbage. */
static void *guarded(size_t bytes, int is_input) {
    if (used_slots == N_SLOTS || bytes > SLOT_BYTES - 2 * CANARY) {
        fprintf(stderr, "fuzz_abi: a case asked for too many or too large arrays\n");
        exit(2);
    }
    Slot *s = &slots[used_slots++];
    s->tail_canary = chance(0.5);
    s->bytes = bytes;
    s->is_input = is_input;
    s->data = s->base + SLOT_BYTES - (s->tail_canary ? CANARY : 0) - bytes;
    memset(s->data - CANARY, CANARY_BYTE, CANARY);
    memset(s->data, 0xCD, bytes);
    if (s->tail_canary) memset(s->data + bytes, CANARY_BYTE, CANARY);
    s->checksum = is_input ? fnv1a(s->data, bytes) : 0;  /* sealed() again once filled */
    return s->data;
}

/* ------------------------------------------------------------------------------------------
 * Values
 * ---------------------------------------------------------------------------------------- */

/* The case being run: what the checks report, and whether an argument the header makes
 * invalid was passed (then the call must fail). */
static struct {
    uint64_t index;
    const char *function;
    int must_fail;
    char why[160];       /* the first invalid argument passed */
    char detail[200];    /* the loss and sizes, for the report */
    int hostile;         /* how hostile this case is: 0 valid-looking, 1 sometimes bad */
    int broken;          /* whether a check of this case failed */
} now;

__attribute__((format(printf, 1, 2))) static void invalid(const char *format, ...) {
    if (!now.must_fail) {
        va_list args;
        va_start(args, format);
        vsnprintf(now.why, sizeof now.why, format, args);
        va_end(args);
    }
    now.must_fail = 1;
}

__attribute__((format(printf, 1, 2))) static void describe(const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(now.detail, sizeof now.detail, format, args);
    va_end(args);
}

/* Whether to make this argument bad, for a hostile case. */
static int spoil(double p) { return now.hostile && chance(p); }

static lk_dtype pick_dtype(void) {
    static const lk_dtype bad[] = {-1, 2, 3, 7, INT32_MIN, INT32_MAX};
    if (spoil(0.03)) {
        lk_dtype d = bad[below(6)];
        invalid("dtype %d", d);
        return d;
    }
    return chance(0.5) ? LK_FLOAT32 : LK_FLOAT64;
}

/* Element size for a dtype; unknown dtypes get double-sized arrays. */
static size_t size_of(lk_dtype d) { return d == LK_FLOAT32 ? 4 : 8; }

static lk_reduction pick_reduction(int with_batchmean) {
    static const lk_reduction bad[] = {-1, 4, 5, 99, INT32_MIN, INT32_MAX};
    if (spoil(0.03)) {
        lk_reduction r = bad[below(6)];
        invalid("reduction %d", r);
        return r;
    }
    return (lk_reduction)below(with_batchmean ? 4 : 3);
}

/* A value that is not finite or is extreme. */
static double wild_value(void) {
    static const double values[] = {NAN, INFINITY, -INFINITY, 1e300, -1e300, 1e-310, -0.0, 3.4e38, -3.5e38, 1e-45};
    return values[below(sizeof values / sizeof values[0])];
}

/* A value of a catalogue domain; with `bad`, one clearly outside it (if it has an outside). */
static double domain_value(const char *domain, int bad) {
    if (!strcmp(domain, "non_negative")) return bad ? -1.5 : chance(0.1) ? 0 : fabs(normal());
    if (!strcmp(domain, "positive")) return bad ? -1.5 : fabs(normal()) + 1e-3;
    if (!strcmp(domain, "unit_interval")) return bad ? (chance(0.5) ? 1.5 : -0.5) : uniform();
    if (!strcmp(domain, "zero_one")) return bad ? (chance(0.5) ? 2.0 : -1.0) : (double)below(2);
    if (!strcmp(domain, "signs")) return bad ? (chance(0.5) ? 2.0 : -3.0) : (chance(0.5) ? 1.0 : -1.0);
    if (!strcmp(domain, "above_minus_one")) return bad ? -2.5 : fabs(normal()) - 0.9;
    return 3 * normal();
}

static int domain_has_outside(const char *domain) { return *domain && strcmp(domain, "real") != 0; }

static void store(lk_dtype dtype, void *p, size_t i, double v) {
    if (dtype == LK_FLOAT32) ((float *)p)[i] = (float)v;
    else ((double *)p)[i] = v;
}

/* Seals an input: its checksum is compared after the call. */
static void *sealed(void *p) {
    for (int i = 0; i < used_slots; i++)
        if (slots[i].data == p) slots[i].checksum = fnv1a(p, slots[i].bytes);
    return p;
}

/* n values of `domain` (NaN and wild values now and then; a value clearly outside the domain
 * when `checked` and the case spoils it, which must then fail). */
static void *values_input(const char *name, lk_dtype dtype, size_t n, const char *domain, int checked) {
    void *p = guarded(n * size_of(dtype), 1);
    for (size_t i = 0; i < n; i++) store(dtype, p, i, domain_value(domain, 0));
    if (n && now.hostile && chance(0.1)) store(dtype, p, below(n), NAN);
    if (n && now.hostile && chance(0.05)) {
        size_t i = below(n);
        store(dtype, p, i, wild_value());
    }
    if (n && checked && domain_has_outside(domain) && spoil(0.03)) {
        size_t i = below(n);
        store(dtype, p, i, domain_value(domain, 1));
        invalid("%s[%zu] outside the %s domain", name, i, domain);
    }
    return sealed(p);
}

/* n weights, non-negative and finite, or one bad one (which must then fail). */
static void *weights_input(const char *name, lk_dtype dtype, size_t n) {
    void *p = guarded(n * size_of(dtype), 1);
    for (size_t i = 0; i < n; i++) store(dtype, p, i, chance(0.1) ? 0 : 2 * uniform());
    if (n && spoil(0.03)) {
        static const double bad[] = {-1, -1e-30, NAN, INFINITY, -INFINITY};
        size_t i = below(n);
        double v = bad[below(5)];
        store(dtype, p, i, v);
        invalid("%s[%zu] = %g", name, i, v);
    }
    return sealed(p);
}

/* An output of n elements of `size` bytes. */
static void *output(size_t n, size_t size) { return guarded(n * size, 0); }

/* An output of n elements, or NULL if optional and the coin says so. */
static void *maybe_output(size_t n, size_t size, double p_null) { return chance(p_null) ? NULL : output(n, size); }

/* A class index in [0, classes), or now and then a bad one (at the int64 limits and just
 * outside), which is a valid target only when it equals ignore_index. */
static int64_t class_index(size_t classes, int64_t ignore_index, int *bad) {
    static const int64_t wild[] = {INT64_MIN, INT64_MIN + 1, -1, -2, INT64_MAX, INT64_MAX - 1, -100};
    *bad = 0;
    if (classes && !spoil(0.04)) return (int64_t)below(classes);
    int64_t v = chance(0.5) ? wild[below(7)] : (int64_t)((uint64_t)classes + below(3));
    *bad = v != ignore_index && (v < 0 || (uint64_t)v >= classes);
    return v;
}

static int64_t pick_ignore_index(size_t classes) {
    static const int64_t values[] = {-100, -1, 0, INT64_MIN, INT64_MAX};
    if (chance(0.6)) return -100;
    if (classes && chance(0.3)) return (int64_t)below(classes);  /* a real class, ignored */
    return values[below(5)];
}

/* Whether v is a valid value of q by the catalogue: a flag is 0 or 1; otherwise v lies within
 * the bounds, an inclusive infinite bound admitting that infinity (adaptive_robust_loss's
 * alpha = -inf, the Welsch limit). NaN never is. */
static int in_range(const Parameter *q, double v) {
    if (q->flag) return v == 0 || v == 1;
    return (v > q->lower || (v == q->lower && q->lower_inclusive)) &&
           (v < q->upper || (v == q->upper && q->upper_inclusive));
}

/* Parameters for `l`: in range (catalogue defaults, random values inside the range, bounds
 * that are inclusive), or in a hostile case one bad one: NaN, infinite, outside the range, a
 * flag that is not 0 or 1. Returns the array (NULL when *n is 0 and the coin says so) and its
 * count in *n (the catalogue's, or fewer when `fewer_ok`, or one more when spoiled). */
static double *pick_params(const Loss *l, size_t *n, int fewer_ok) {
    size_t count = l->n_params;
    if (fewer_ok && count && chance(0.2)) count = below(count);
    if (spoil(0.02)) {
        count = l->n_params + 1 + below(2);
        invalid("n_params %zu > %zu", count, l->n_params);
    }
    *n = count;
    if (!count && chance(0.5)) return NULL;
    double *p = guarded((count ? count : 1) * sizeof(double), 1);
    for (size_t k = 0; k < count; k++) {
        const Parameter *q = k < l->n_params ? &l->params[k] : NULL;
        if (!q) { p[k] = 1; continue; }
        double lo = q->lower, hi = q->upper, v = q->fallback;
        if (q->flag) v = (double)below(2);
        else if (chance(0.4)) {
            if (isfinite(lo) && isfinite(hi)) v = lo + uniform() * (hi - lo);
            else if (isfinite(lo)) v = lo + fabs(normal()) * 3 + 1e-3;
            else if (isfinite(hi)) v = hi - fabs(normal()) * 3 - 1e-3;
            else v = 3 * normal();
        } else if (chance(0.05) && q->lower_inclusive && isfinite(lo)) v = lo;
        else if (chance(0.05) && q->upper_inclusive && isfinite(hi)) v = hi;
        p[k] = v;
    }
    if (count && count <= l->n_params && spoil(0.04)) {
        size_t k = below(count);
        const Parameter *q = &l->params[k];
        double v;
        switch (below(4)) {
        case 0: v = NAN; break;
        case 1: v = chance(0.5) ? INFINITY : -INFINITY; break;
        case 2:
            if (q->flag) v = chance(0.5) ? 0.5 : 2;
            else if (isfinite(q->lower)) v = q->lower_inclusive ? q->lower - 1e-9 * (1 + fabs(q->lower)) - 1 : q->lower;
            else if (isfinite(q->upper)) v = q->upper_inclusive ? q->upper + 1 : q->upper;
            else v = NAN;
            break;
        default: v = q->flag ? -1 : isfinite(q->upper) ? q->upper + 1e6 : isfinite(q->lower) ? q->lower - 1e6 : -INFINITY;
        }
        p[k] = v;
        if (!in_range(q, v)) invalid("%s parameter %zu = %g", l->name, k, v);
    }
    return sealed(p);
}

/* A loss id: usually `l`'s, else one of another kind or one that names no loss (which must
 * fail). */
static int32_t pick_id(const Loss *l, const char *kind) {
    static const int32_t bad[] = {-1, INT32_MIN, INT32_MAX, -2};
    if (!spoil(0.06)) return l->id;
    if (chance(0.3)) {
        int32_t id = chance(0.5) ? (int32_t)n_losses : bad[below(4)];
        invalid("loss id %d", id);
        return id;
    }
    const Loss *other;
    do other = pick_loss(""); while (!strcmp(other->kind, kind));
    invalid("loss %s of kind %s", other->name, other->kind);
    return other->id;
}

/* ------------------------------------------------------------------------------------------
 * Checks after every call
 * ---------------------------------------------------------------------------------------- */

static uint64_t passed, failed, reported;

/* Calls and successful calls per function, printed at the end: a fuzz that only ever hits
 * errors would test little. */
static struct { const char *function; uint64_t calls, ok; } tally[16];

static void count(lk_status status) {
    int k = 0;
    while (tally[k].function && strcmp(tally[k].function, now.function)) k++;
    tally[k].function = now.function;
    tally[k].calls++;
    tally[k].ok += status == LK_OK;
}

__attribute__((format(printf, 1, 2))) static void fail(const char *format, ...) {
    now.broken = 1;
    if (++reported > 60) return;
    va_list args;
    va_start(args, format);
    printf("FAIL case %llu (%s %s): ", (unsigned long long)now.index, now.function, now.detail);
    vprintf(format, args);
    printf("\n");
    va_end(args);
}

static int documented_status(lk_status s) {
    if (s >= LK_OK && s <= LK_ERR_INTERNAL) return 1;
    /* A code added after this test (e.g. an out-of-memory status) must have a name. */
    const char *name = lk_status_name(s);
    return s > LK_ERR_INTERNAL && name && strcmp(name, "LK_UNKNOWN_STATUS") != 0;
}

/* Judges a call: status, message, canaries, inputs; then frees the case's arrays. */
static void judge(lk_status status) {
    count(status);
    if (!documented_status(status)) fail("undocumented status %d", status);
    if (status == LK_ERR_INTERNAL) fail("LK_ERR_INTERNAL: %s", lk_last_error());
    if (status != LK_OK) {
        const char *message = lk_last_error();
        if (!message || !*message) fail("status %s with an empty lk_last_error()", lk_status_name(status));
    }
    if (now.must_fail && status == LK_OK) fail("accepted an invalid argument: %s", now.why);
    for (int i = 0; i < used_slots; i++) {
        Slot *s = &slots[i];
        int intact = 1;
        for (size_t k = 0; k < CANARY; k++) {
            intact &= (s->data - CANARY)[k] == CANARY_BYTE;
            if (s->tail_canary) intact &= s->data[s->bytes + k] == CANARY_BYTE;
        }
        if (!intact) fail("wrote past array %d of %zu bytes", i, s->bytes);
        if (s->is_input && fnv1a(s->data, s->bytes) != s->checksum) fail("changed input array %d", i);
    }
    used_slots = 0;
}

/* ------------------------------------------------------------------------------------------
 * One function per entry point
 * ---------------------------------------------------------------------------------------- */

/* Lengths of a case: small, or in a hostile case one that no array can have or a product that
 * overflows (the call must fail; the arrays passed then are tiny, so a read faults). */
typedef struct { int huge; } Sizes;

static void maybe_huge(Sizes *z, size_t *dims[], int n_dims) {
    z->huge = 0;
    if (!spoil(0.04)) return;
    z->huge = 1;
    if (n_dims == 1 || chance(0.5)) {
        size_t k = below((size_t)n_dims);
        *dims[k] = absurd_length();
        invalid("length %zu", *dims[k]);
        return;
    }
    /* every factor plausible, their product beyond INT64_MAX / 8 or SIZE_MAX */
    size_t each = n_dims == 2 ? ((size_t)1 << 31) + below(1u << 30) : ((size_t)1 << 21) + below(1u << 20);
    for (int k = 0; k < n_dims; k++) *dims[k] = each + (size_t)k;
    invalid("dimensions overflowing (%zu each)", each);
}

/* Elements to allocate for an array of n, when lengths may be absurd. */
static size_t room(const Sizes *z, size_t n) { return z->huge ? below(4) : n; }

static void fuzz_elementwise(int with_param_grad) {
    const Loss *l = pick_loss("elementwise");
    now.function = with_param_grad ? "lk_elementwise_param_grad" : "lk_elementwise";
    int32_t id = pick_id(l, "elementwise");
    size_t n_params;
    double *params = pick_params(l, &n_params, 1);
    if (n_params && spoil(0.01)) { params = NULL; invalid("params NULL with n_params %zu", n_params); }
    lk_dtype dtype = pick_dtype();
    size_t n = small_count(300);
    Sizes z;
    size_t *dims[] = {&n};
    maybe_huge(&z, dims, 1);
    describe("%s n=%zu n_params=%zu dtype=%d", l->name, n, n_params, dtype);
    size_t es = size_of(dtype), have = room(&z, n);
    const void *input = values_input("input", dtype, have, l->input_domain, id == l->id);
    const void *target = values_input("target", dtype, have, l->target_domain, id == l->id);
    if (n && spoil(0.02)) { input = NULL; invalid("input NULL"); }
    if (n && spoil(0.02)) { target = NULL; invalid("target NULL"); }
    const void *weight = NULL, *column = NULL;
    size_t n_weight = 0, n_column = 0;
    if (chance(0.3)) {
        n_weight = n && !z.huge && chance(0.5) ? n : 1 + below(8);
        if (!z.huge && n && n % n_weight) invalid("n_weight %zu does not divide n %zu", n_weight, n);
        weight = weights_input("weight", dtype, z.huge ? below(4) : n_weight);
    } else if (chance(0.1)) n_weight = absurd_length();  /* ignored: weight is NULL */
    if ((l->has_column && chance(0.4)) || chance(0.03)) {
        n_column = n && !z.huge && chance(0.5) ? n : 1 + below(4);
        if (!z.huge && n && n % n_column && l->has_column && id == l->id) invalid("n_column %zu does not divide n %zu", n_column, n);
        column = weights_input("column", dtype, z.huge ? below(4) : n_column);
    }
    lk_weighting weighting = (lk_weighting)below(2);
    if (spoil(0.02)) { weighting = chance(0.5) ? 2 : -1; invalid("weighting %d", weighting); }
    lk_reduction reduction = pick_reduction(0);
    double *loss_out = maybe_output(1, sizeof(double), 0.2);
    void *losses_out = reduction == LK_REDUCTION_NONE || chance(0.2) ? output(have, es) : NULL;
    if (reduction == LK_REDUCTION_NONE && n && chance(0.03)) { losses_out = NULL; invalid("losses NULL for 'none'"); }
    void *grad = maybe_output(have, es, 0.4), *hess = maybe_output(have, es, 0.5);
    lk_status s;
    if (with_param_grad) {
        double *param_grad = chance(0.5) ? output(n_params ? n_params : 1, sizeof(double)) : NULL;
        void *column_grad = chance(0.4) ? output(have, es) : NULL;
        if ((param_grad || column_grad) && !l->parameter_grad && id == l->id)
            invalid("param_grad or column_grad for %s", l->name);
        s = lk_elementwise_param_grad(id, params, n_params, dtype, n, input, target, weight, n_weight, weighting,
                                      column, n_column, reduction, loss_out, losses_out, grad, hess, param_grad,
                                      column_grad);
    } else {
        s = lk_elementwise(id, params, n_params, dtype, n, input, target, weight, n_weight, weighting, column,
                           n_column, reduction, loss_out, losses_out, grad, hess);
    }
    judge(s);
}

static void fuzz_cross_entropy(void) {
    now.function = "lk_cross_entropy";
    lk_dtype dtype = pick_dtype();
    size_t rows = small_count(40), classes = small_count(40);
    Sizes z;
    size_t *dims[] = {&rows, &classes};
    maybe_huge(&z, dims, 2);
    describe("rows=%zu classes=%zu dtype=%d", rows, classes, dtype);
    if (rows && !classes) invalid("classes 0 with rows %zu", rows);
    size_t es = size_of(dtype), cells = z.huge ? below(4) : rows * classes, nrows = room(&z, rows);
    const void *logits = values_input("logits", dtype, cells, "real", 0);
    int64_t ignore_index = pick_ignore_index(classes);
    int64_t *index = NULL;
    const void *prob = NULL;
    int which = chance(0.04) ? (int)below(2) * 3 : chance(0.6) ? 1 : 2;  /* 0 none, 1 index, 2 prob, 3 both */
    if (which == 1 || which == 3) {
        index = guarded(nrows * sizeof(int64_t), 1);
        for (size_t i = 0; i < nrows; i++) {
            int bad;
            index[i] = class_index(classes, ignore_index, &bad);
            if (bad && !z.huge) invalid("target_index[%zu] = %lld", i, (long long)index[i]);
        }
        sealed(index);
    }
    if (which >= 2) prob = values_input("target_prob", dtype, cells, "unit_interval", 0);
    if ((which == 0 || which == 3) && rows) invalid("%s target", which ? "two kinds of" : "no");
    const void *class_weight = chance(0.3) ? weights_input("class_weight", dtype, z.huge ? below(4) : classes) : NULL;
    const void *sample_weight = chance(0.3) ? weights_input("sample_weight", dtype, nrows) : NULL;
    double smoothing = chance(0.6) ? 0 : uniform();
    if (spoil(0.03)) {
        static const double bad[] = {-0.1, 1.5, NAN, INFINITY, -INFINITY};
        smoothing = bad[below(5)];
        invalid("label_smoothing %g", smoothing);
    }
    lk_reduction reduction = pick_reduction(0);
    double *loss_out = maybe_output(1, sizeof(double), 0.2);
    void *losses_out = reduction == LK_REDUCTION_NONE ? output(nrows, es) : NULL;
    void *grad = maybe_output(cells, es, 0.4);
    void *hess = maybe_output(cells, es, 0.5);
    judge(lk_cross_entropy(dtype, rows, classes, logits, index, prob, class_weight, sample_weight, ignore_index,
                           smoothing, reduction, loss_out, losses_out, grad,
                           hess));
}

/* Class-index targets of a row-wise loss: one per row, or lists ending at their first -1. */
static int64_t *index_targets(size_t rows, size_t classes, int lists, int64_t ignore_index, int huge) {
    size_t n = huge ? below(4) : lists ? rows * classes : rows;
    int64_t *t = guarded(n * sizeof(int64_t), 1);
    for (size_t i = 0; i < n; i++) {
        int bad = 0;
        if (lists) {
            t[i] = chance(0.2) ? -1 : class_index(classes, -1, &bad);
            /* an entry after its row's first -1 is not read, so only earlier bad ones count */
            size_t row_start = i - i % (classes ? classes : 1);
            int terminated = 0;
            for (size_t k = row_start; k < i; k++) terminated |= t[k] == -1;
            if (bad && !terminated && !huge) invalid("target_index[%zu] = %lld", i, (long long)t[i]);
        } else {
            t[i] = class_index(classes, ignore_index, &bad);
            if (bad && !huge) invalid("target_index[%zu] = %lld", i, (long long)t[i]);
        }
    }
    return sealed(t);
}

static void fuzz_rowwise(void) {
    const Loss *l = pick_loss("rowwise");
    if (!l) return;
    now.function = "lk_rowwise";
    int32_t id = pick_id(l, "rowwise");
    size_t n_params;
    double *params = pick_params(l, &n_params, 0);
    lk_dtype dtype = pick_dtype();
    size_t rows = small_count(30), classes = small_count(30);
    Sizes z;
    size_t *dims[] = {&rows, &classes};
    maybe_huge(&z, dims, 2);
    describe("%s rows=%zu classes=%zu n_params=%zu dtype=%d", l->name, rows, classes, n_params, dtype);
    if (rows && !classes && id == l->id) invalid("classes 0 with rows %zu", rows);
    size_t es = size_of(dtype), cells = z.huge ? below(4) : rows * classes, nrows = room(&z, rows);
    const void *input = values_input("input", dtype, cells, l->input_domain, 0);
    int64_t ignore_index = pick_ignore_index(classes);
    int64_t *index = NULL;
    const void *values = NULL;
    size_t n_index = 0;
    int lists = !strcmp(l->row_target, "class_indices");
    if (!strcmp(l->row_target, "class_index") || lists) {
        if (!spoil(0.02)) {
            index = index_targets(rows, classes, lists, ignore_index, z.huge);
            n_index = lists ? cells : nrows;
            if (chance(0.05)) n_index = absurd_length();  /* must not be believed */
        } else if (rows) invalid("target_index NULL");
    } else if (!strcmp(l->row_target, "values")) {
        if (!spoil(0.02)) values = values_input("target_values", dtype, cells, l->target_domain, id == l->id);
        else if (rows) invalid("target_values NULL");
    }
    const void *class_weight = NULL;
    if (chance(0.3)) {
        if (!l->has_class_weight && id == l->id) invalid("class_weight for %s", l->name);
        class_weight = weights_input("class_weight", dtype, z.huge ? below(4) : classes);
    }
    const void *sample_weight = chance(0.3) ? weights_input("sample_weight", dtype, nrows) : NULL;
    lk_reduction reduction = pick_reduction(1);
    double *loss_out = maybe_output(1, sizeof(double), 0.2);
    size_t n_out = cells > nrows ? cells : nrows;
    void *losses_out = reduction == LK_REDUCTION_NONE ? output(n_out, es) : NULL;
    size_t n_losses_arg = chance(0.5) ? n_out : nrows;
    void *grad = maybe_output(cells, es, 0.4);
    void *hess = maybe_output(cells, es, 0.5);
    judge(lk_rowwise(id, params, n_params, dtype, rows, classes, input, index, n_index, values, class_weight,
                     sample_weight, ignore_index, reduction, loss_out, losses_out, n_losses_arg,
                     grad, hess));
}

static void fuzz_hybrid(void) {
    now.function = "lk_hybrid";
    size_t n_parts = 1 + below(3);
    int32_t ids[4];
    size_t counts[4], total = 0;
    double all_params[4 * MAX_PARAMS + 4];
    const char *kind = chance(0.5) ? "elementwise" : "rowwise";
    int index_kind = -1;  /* for row-wise parts: 0 values, 1 class index, 2 lists */
    /* n_params NULL means every part at its defaults: params is then not read at all */
    int given_counts = chance(0.8), hostile = now.hostile;
    now.hostile = hostile && given_counts;
    for (size_t k = 0; k < n_parts; k++) {
        const Loss *l = chance(0.85) ? pick_loss(kind) : pick_loss("");
        if (!strcmp(kind, "rowwise") && chance(0.3)) {
            int32_t ce;
            if (lk_loss_id("cross_entropy", &ce) == LK_OK) l = &losses[ce];
        }
        if (!l) l = pick_loss("");
        ids[k] = l->id;
        size_t n;
        double *p = pick_params(l, &n, 1);
        counts[k] = n;
        for (size_t i = 0; i < n; i++) all_params[total++] = p ? p[i] : 0;
        if (!strcmp(l->row_target, "class_index") || !strcmp(l->name, "cross_entropy")) index_kind = 1;
        else if (!strcmp(l->row_target, "class_indices")) index_kind = 2;
        else if (!strcmp(l->row_target, "values") && index_kind < 0) index_kind = 0;
    }
    used_slots = 0;  /* pick_params' arrays are copied into all_params */
    now.hostile = hostile;
    double *params = guarded((total ? total : 1) * sizeof(double), 1);
    memcpy(params, all_params, total * sizeof(double));
    sealed(params);
    size_t *n_params = guarded(n_parts * sizeof(size_t), 1);
    memcpy(n_params, counts, n_parts * sizeof(size_t));
    sealed(n_params);
    int32_t *part_loss = guarded(n_parts * sizeof(int32_t), 1);
    memcpy(part_loss, ids, n_parts * sizeof(int32_t));
    if (spoil(0.03)) { part_loss[below(n_parts)] = INT32_MIN; invalid("part loss id INT32_MIN"); }
    sealed(part_loss);
    double *part_weight = guarded(n_parts * sizeof(double), 1);
    for (size_t k = 0; k < n_parts; k++) part_weight[k] = chance(0.1) ? 0 : 2 * normal();
    if (spoil(0.03)) { part_weight[below(n_parts)] = NAN; invalid("part weight NaN"); }
    sealed(part_weight);
    size_t parts_arg = n_parts;
    if (spoil(0.02)) { parts_arg = chance(0.5) ? 0 : chance(0.5) ? 65 : absurd_length(); invalid("n_parts %zu", parts_arg); }

    lk_dtype dtype = pick_dtype();
    size_t rows = small_count(20), classes = small_count(20);
    Sizes z;
    size_t *dims[] = {&rows, &classes};
    maybe_huge(&z, dims, 2);
    describe("parts=%zu %s rows=%zu classes=%zu dtype=%d", n_parts, kind, rows, classes, dtype);
    size_t es = size_of(dtype), cells = z.huge ? below(4) : rows * classes, nrows = room(&z, rows);
    const void *input = values_input("input", dtype, cells, "real", 0);
    int64_t ignore_index = pick_ignore_index(classes);
    int64_t *index = NULL;
    const void *values = NULL;
    size_t n_index = 0;
    if (index_kind >= 1 || chance(0.1)) {
        int lists = index_kind == 2;
        /* which parts read class indices is the library's business: no must-fail here */
        int was = now.must_fail;
        index = index_targets(rows, classes, lists, ignore_index, z.huge);
        now.must_fail = was;
        n_index = lists ? cells : nrows;
    }
    if (index_kind == 0 || !strcmp(kind, "elementwise") || chance(0.1))
        values = values_input("target_values", dtype, cells, "unit_interval", 0);
    const void *sample_weight = chance(0.3) ? weights_input("sample_weight", dtype, nrows) : NULL;
    lk_reduction reduction = pick_reduction(1);
    size_t n_losses = chance(0.5) ? cells : nrows;
    void *losses_out = reduction == LK_REDUCTION_NONE && chance(0.8) ? output(n_losses, es) : NULL;
    void *part_losses = reduction == LK_REDUCTION_NONE && chance(0.5) ? output(n_parts * n_losses, es) : NULL;
    double *parts_out = chance(0.5) ? output(n_parts, sizeof(double)) : NULL;
    double *loss_out = maybe_output(1, sizeof(double), 0.2);
    void *grad = maybe_output(cells, es, 0.4);
    void *hess = maybe_output(cells, es, 0.5);
    judge(lk_hybrid(parts_arg, part_loss, part_weight, params, given_counts ? n_params : NULL, dtype, rows, classes,
                    input, index, n_index, values, sample_weight, ignore_index, reduction,
                    loss_out, parts_out, losses_out, n_losses, part_losses,
                    grad, hess));
}

/* Learns, for each embedding loss, how many inputs it takes and whether it takes a target:
 * the one combination a valid two-row call accepts. */
static void probe_embedding_losses(void) {
    for (size_t i = 0; i < n_losses; i++) {
        Loss *l = &losses[i];
        if (strcmp(l->kind, "embedding")) continue;
        double params[MAX_PARAMS], x[2] = {0.5, -0.25}, y[2] = {0.75, 1}, w[2] = {-1, 0.5}, t[2], out;
        for (size_t k = 0; k < l->n_params; k++) params[k] = l->params[k].fallback;
        for (int k = 0; k < 2; k++) t[k] = domain_value(l->target_domain, 0);
        for (int inputs = 1; inputs <= 3 && !l->inputs; inputs++)
            for (int has_target = 0; has_target <= 1; has_target++)
                if (lk_embedding(l->id, params, l->n_params, 0, LK_FLOAT64, 2, 1, x, inputs > 1 ? y : NULL,
                                 inputs > 2 ? w : NULL, has_target ? t : NULL, NULL, LK_REDUCTION_SUM, &out, NULL,
                                 NULL, NULL, NULL) == LK_OK) {
                    l->inputs = inputs;
                    l->has_target = has_target;
                    break;
                }
        if (!l->inputs) { fprintf(stderr, "fuzz_abi: no valid call of %s found\n", l->name); exit(2); }
    }
}

static void fuzz_embedding(void) {
    const Loss *l = pick_loss("embedding");
    if (!l) return;
    now.function = "lk_embedding";
    int32_t id = pick_id(l, "embedding");
    size_t n_params;
    double *params = pick_params(l, &n_params, 0);
    int32_t flags = chance(0.7) ? 0 : LK_EMBEDDING_SWAP;
    if (spoil(0.02)) { flags = chance(0.5) ? 2 : -1; invalid("flags %d", flags); }
    lk_dtype dtype = pick_dtype();
    size_t rows = small_count(30), dim = chance(0.4) ? 1 : small_count(12);
    Sizes z;
    size_t *dims[] = {&rows, &dim};
    maybe_huge(&z, dims, 2);
    describe("%s rows=%zu dim=%zu n_params=%zu dtype=%d", l->name, rows, dim, n_params, dtype);
    size_t es = size_of(dtype), cells = z.huge ? below(4) : rows * dim, nrows = room(&z, rows);
    int inputs = l->inputs, has_target = l->has_target;
    if (spoil(0.05)) {
        inputs = 1 + (int)below(3);
        has_target = (int)below(2);
        if ((inputs != l->inputs || has_target != l->has_target) && rows && dim && id == l->id)
            invalid("%d inputs and %s target", inputs, has_target ? "a" : "no");
    }
    const void *in[3] = {NULL, NULL, NULL};
    for (int k = 0; k < inputs; k++) in[k] = values_input("input", dtype, cells, "real", 0);
    const void *target = has_target ? values_input("target", dtype, nrows, l->target_domain, id == l->id) : NULL;
    const void *sample_weight = chance(0.3) ? weights_input("sample_weight", dtype, nrows) : NULL;
    lk_reduction reduction = pick_reduction(0);
    void *losses_out = reduction == LK_REDUCTION_NONE ? output(nrows, es) : NULL;
    void *grad[3];
    for (int k = 0; k < 3; k++) grad[k] = k < inputs ? maybe_output(cells, es, 0.4) : NULL;
    double *loss_out = maybe_output(1, sizeof(double), 0.2);
    judge(lk_embedding(id, params, n_params, flags, dtype, rows, dim, in[0], in[1], in[2], target, sample_weight,
                       reduction, loss_out, losses_out, grad[0], grad[1], grad[2]));
}

static void fuzz_ntxent(void) {
    now.function = "lk_ntxent";
    lk_dtype dtype = pick_dtype();
    size_t n = small_count(24), dim = small_count(8);
    Sizes z;
    size_t *dims[] = {&n, &dim};
    maybe_huge(&z, dims, 2);
    describe("n=%zu dim=%zu dtype=%d", n, dim, dtype);
    size_t es = size_of(dtype), cells = z.huge ? below(4) : n * dim, nrows = room(&z, n);
    const void *embeddings = values_input("embeddings", dtype, cells, "real", 0);
    int64_t *labels = guarded(nrows * sizeof(int64_t), 1);
    static const int64_t wild[] = {INT64_MIN, INT64_MAX, -1, 0};
    for (size_t i = 0; i < nrows; i++) labels[i] = chance(0.05) ? wild[below(4)] : (int64_t)below(4);
    sealed(labels);
    double temperature = chance(0.5) ? 0.07 : 0.01 + 2 * uniform();
    if (spoil(0.04)) {
        static const double bad[] = {0, -0.5, NAN, INFINITY, -INFINITY};
        temperature = bad[below(5)];
        invalid("temperature %g", temperature);
    }
    lk_reduction reduction = pick_reduction(0);
    void *losses_out = reduction == LK_REDUCTION_NONE ? output(nrows, es) : NULL;
    double *loss_out = maybe_output(1, sizeof(double), 0.2);
    void *grad = maybe_output(cells, es, 0.4);
    judge(lk_ntxent(dtype, n, dim, embeddings, labels, temperature, reduction, loss_out,
                    losses_out, grad));
}

static void fuzz_ctc(void) {
    now.function = "lk_ctc";
    lk_dtype dtype = pick_dtype();
    size_t frames = small_count(12), batch = small_count(4), classes = 1 + small_count(5);
    Sizes z;
    size_t *dims[] = {&frames, &batch, &classes};
    maybe_huge(&z, dims, 3);
    describe("T=%zu N=%zu C=%zu dtype=%d", frames, batch, classes, dtype);
    size_t es = size_of(dtype), cells = z.huge ? below(4) : frames * batch * classes, n = room(&z, batch);
    double *lp = guarded(cells * es, 1);
    for (size_t i = 0; i < cells; i++) store(dtype, lp, i, chance(0.02) && now.hostile ? wild_value() : -3 * uniform());
    sealed(lp);
    int64_t blank = classes > 1 && chance(0.3) ? (int64_t)below(classes) : 0;
    if (spoil(0.03)) {
        blank = chance(0.5) ? -1 : chance(0.5) ? (int64_t)classes : INT64_MIN;
        if (!z.huge) invalid("blank %lld", (long long)blank);
    }
    int padded = chance(0.5);
    size_t stride = padded ? 1 + below(6) : 0;
    int64_t *input_lengths = guarded(n * sizeof(int64_t), 1), *target_lengths = guarded(n * sizeof(int64_t), 1);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        input_lengths[i] = (int64_t)below(frames + 1);
        target_lengths[i] = (int64_t)below((padded ? stride : 4) + 1);
        if (spoil(0.03)) {
            static const int64_t bad[] = {-1, INT64_MIN, INT64_MAX};
            input_lengths[i] = chance(0.5) ? (int64_t)((uint64_t)frames + 1) : bad[below(3)];
            if (!z.huge) invalid("input_lengths[%zu] = %lld", i, (long long)input_lengths[i]);
        }
        if (spoil(0.03)) {
            static const int64_t bad[] = {-1, INT64_MIN, INT64_MAX};
            target_lengths[i] = padded && chance(0.5) ? (int64_t)stride + 1 : bad[below(3)];
            if (!z.huge) invalid("target_lengths[%zu] = %lld", i, (long long)target_lengths[i]);
        }
        if (target_lengths[i] > 0 && target_lengths[i] < 1000) total += (size_t)target_lengths[i];
    }
    sealed(input_lengths);
    sealed(target_lengths);
    size_t n_targets = padded ? n * stride : total;
    if (!padded && spoil(0.03)) { n_targets = total ? total - 1 : 1; if (!z.huge && total) invalid("n_targets %zu for %zu labels", n_targets, total); }
    int64_t *targets = guarded(n_targets * sizeof(int64_t), 1);
    for (size_t i = 0; i < n_targets; i++) {
        int64_t v = classes > 1 ? (int64_t)below(classes - 1) : 0;
        targets[i] = v >= blank ? v + 1 : v;  /* never the blank */
        if (classes == 1) targets[i] = 1;      /* nothing but the blank exists: any label is bad */
    }
    if (n_targets && spoil(0.03)) {
        static const int64_t bad[] = {-1, INT64_MIN, INT64_MAX};
        size_t i = below(n_targets);
        targets[i] = chance(0.5) ? blank : bad[below(3)];  /* only bad if read */
    }
    sealed(targets);
    int32_t zero_infinity = (int32_t)below(2);
    if (spoil(0.02)) { zero_infinity = chance(0.5) ? 2 : -1; invalid("zero_infinity %d", zero_infinity); }
    const void *sample_weight = chance(0.3) ? weights_input("sample_weight", dtype, n) : NULL;
    lk_reduction reduction = pick_reduction(0);
    void *losses_out = reduction == LK_REDUCTION_NONE ? output(n, es) : NULL;
    double *loss_out = maybe_output(1, sizeof(double), 0.2);
    void *grad = maybe_output(cells, es, 0.4);
    judge(lk_ctc(dtype, frames, batch, classes, lp, targets, n_targets, stride, input_lengths, target_lengths, blank,
                 zero_infinity, sample_weight, reduction, loss_out, losses_out,
                 grad));
}

static void fuzz_overlap(void) {
    const Loss *l = pick_loss("overlap");
    if (!l) return;
    now.function = "lk_overlap";
    int32_t id = pick_id(l, "overlap");
    size_t n_params;
    double *params = pick_params(l, &n_params, 0);
    lk_dtype dtype = pick_dtype();
    size_t batch = small_count(4), classes = small_count(5), spatial = small_count(20);
    Sizes z;
    size_t *dims[] = {&batch, &classes, &spatial};
    maybe_huge(&z, dims, 3);
    describe("%s N=%zu C=%zu S=%zu dtype=%d", l->name, batch, classes, spatial, dtype);
    size_t es = size_of(dtype), cells = z.huge ? below(4) : batch * classes * spatial, n = room(&z, batch);
    const void *input = values_input("input", dtype, cells, "unit_interval", 0);
    int64_t *index = NULL;
    const void *values = NULL;
    if (chance(0.5)) {
        size_t count = z.huge ? below(4) : batch * spatial;
        index = guarded(count * sizeof(int64_t), 1);
        for (size_t i = 0; i < count; i++) {
            int bad;
            index[i] = classes == 1 ? (int64_t)below(2) : class_index(classes, INT64_MIN + 7, &bad);
            if (classes != 1 && bad && !z.huge) invalid("target_index[%zu] = %lld", i, (long long)index[i]);
        }
        sealed(index);
    } else {
        values = values_input("target_values", dtype, cells, "unit_interval", id == l->id);
    }
    if (spoil(0.02)) {
        if (chance(0.5)) index = NULL, values = NULL;
        else if (index) values = values_input("target_values", dtype, cells, "unit_interval", 0);
        else index = sealed(memset(guarded((z.huge ? 0 : batch * spatial) * sizeof(int64_t), 1), 0, (z.huge ? 0 : batch * spatial) * sizeof(int64_t)));
        if (batch && spatial && classes && !z.huge) invalid("%s target", index ? "two kinds of" : "no");
    }
    const void *class_weight = NULL;
    if (chance(0.3)) {
        if (!l->has_class_weight && id == l->id) invalid("class_weight for %s", l->name);
        class_weight = weights_input("class_weight", dtype, z.huge ? below(4) : classes);
    }
    const void *sample_weight = chance(0.3) ? weights_input("sample_weight", dtype, n) : NULL;
    lk_reduction reduction = pick_reduction(0);
    void *losses_out = reduction == LK_REDUCTION_NONE ? output(n, es) : NULL;
    double *loss_out = maybe_output(1, sizeof(double), 0.2);
    void *grad = maybe_output(cells, es, 0.4);
    void *hess = maybe_output(cells, es, 0.5);
    judge(lk_overlap(id, params, n_params, dtype, batch, classes, spatial, input, index, values, class_weight,
                     sample_weight, reduction, loss_out, losses_out,
                     grad, hess));
}

/* The functions without arrays: version, status names, loss ids, thread count. */
static void fuzz_small_functions(void) {
    now.function = "lk_version/lk_status_name/lk_loss_id/lk_set_num_threads";
    if (!lk_version() || lk_version_number() != LK_VERSION_NUMBER || !lk_build_info() || lk_build_info()[0] != '{')
        fail("version or build info");
    int32_t code = chance(0.5) ? (int32_t)below(12) - 2 : (int32_t)next_u64();
    const char *name = lk_status_name(code);
    if (!name || !*name) fail("lk_status_name(%d) is empty", code);
    int32_t *id = guarded(sizeof(int32_t), 0);
    char *text = guarded(64, 1);
    const Loss *l = pick_loss("");
    switch (below(4)) {
    case 0:
        snprintf(text, 64, "%.63s", l->name);
        sealed(text);
        if (lk_loss_id(text, id) != LK_OK || *id != l->id) fail("lk_loss_id(\"%s\")", l->name);
        judge(LK_OK);
        return;
    case 1:
        for (int i = 0; i < 23; i++) text[i] = (char)(1 + below(255));
        text[below(24)] = 0;
        text[23] = 0;
        sealed(text);
        judge(lk_loss_id(text, id));
        return;
    case 2:
        now.must_fail = 1;
        snprintf(now.why, sizeof now.why, "a NULL pointer");
        snprintf(text, 64, "%.63s", l->name);
        sealed(text);
        judge(chance(0.5) ? lk_loss_id(NULL, id) : lk_loss_id(text, NULL));
        return;
    default: {
        int32_t n = chance(0.8) ? (int32_t)below(4) : chance(0.5) ? INT32_MAX : -(int32_t)below(1000) - 1;
        if (n < 0) invalid("thread count %d", n);
        lk_status s = lk_set_num_threads(n);
        if (s == LK_OK && lk_get_num_threads() < 1) fail("lk_get_num_threads() = %d", lk_get_num_threads());
        judge(s);
    }
    }
}

/* ------------------------------------------------------------------------------------------
 * Driver
 * ---------------------------------------------------------------------------------------- */

#ifndef UNDER_SANITIZER
/* Says which case crashed (the sanitizers report crashes themselves). */
static void on_crash(int signal_number) {
    char message[400];
    int n = snprintf(message, sizeof message, "\nfuzz_abi: signal %d in case %llu (%s %s); replay: fuzz_abi 1 <seed> %llu\n",
                     signal_number, (unsigned long long)now.index, now.function ? now.function : "?", now.detail,
                     (unsigned long long)now.index);
    if (n > 0) (void)!write(2, message, (size_t)n);
    _exit(3);
}
#endif

int main(int argc, char **argv) {
    uint64_t cases = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    uint64_t first = argc > 3 ? strtoull(argv[3], NULL, 10) : 0;
#ifndef UNDER_SANITIZER
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
    signal(SIGABRT, on_crash);
    signal(SIGFPE, on_crash);
    signal(SIGILL, on_crash);
#endif
    setvbuf(stdout, NULL, _IOLBF, 0);
    read_catalogue();
    map_slots();
    probe_embedding_losses();
    for (uint64_t k = first; k < first + cases; k++) {
        rng_state = seed * 0xD1B54A32D192ED03ull ^ k * 0x9E3779B97F4A7C15ull;
        memset(&now, 0, sizeof now);
        now.index = k;
        now.hostile = chance(0.7);
        size_t pick = below(100);
        if (pick < 22) fuzz_elementwise(0);
        else if (pick < 30) fuzz_elementwise(1);
        else if (pick < 42) fuzz_cross_entropy();
        else if (pick < 56) fuzz_rowwise();
        else if (pick < 66) fuzz_hybrid();
        else if (pick < 75) fuzz_embedding();
        else if (pick < 82) fuzz_ntxent();
        else if (pick < 90) fuzz_ctc();
        else if (pick < 98) fuzz_overlap();
        else fuzz_small_functions();
        used_slots = 0;
        if (now.broken) failed++; else passed++;
    }
    lk_set_num_threads(0);
    for (int k = 0; tally[k].function; k++)
        printf("%-60s %8llu calls, %8llu LK_OK\n", tally[k].function, (unsigned long long)tally[k].calls,
               (unsigned long long)tally[k].ok);
    printf("fuzz_abi: %llu passed, %llu failed\n", (unsigned long long)passed, (unsigned long long)failed);
    return failed ? 1 : 0;
}
