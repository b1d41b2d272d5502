/*
 * test_alloc.c: every driver of liblosskit.so under failing allocations, through losskit.h.
 *
 * lk_testing_fail_allocations(k) lets the next k scratch allocations succeed and fails every
 * later one. For each driver and k = 0, 1, 2, ... this checks that the call either succeeds
 * with bitwise the result of a call without the limit (drivers whose only allocation spreads
 * work over threads fall back to one thread), or returns LK_ERR_OUT_OF_MEMORY with a message
 * naming what it could not allocate and leaves every output (loss_out included) holding the
 * sentinel it was filled with. Drivers that need scratch must fail at k = 0. Then the two
 * calls of issue 18 that used to abort the process: a CTC gradient whose alpha table would be
 * 320 GB, and a zero-size CTC input with 2^40 classes.
 *
 * Prints one line per check and a last line "N passed, M failed"; exits 1 if any check failed.
 * Build: cc -std=c11 -I include tests/c/test_alloc.c -L <dir> -llosskit -Wl,-rpath,<dir> -lpthread -lm
 */
#define _POSIX_C_SOURCE 200809L

#include "losskit.h"
#include "check.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define SENTINEL (-12345.5)

/* ------------------------------------------------------------------------------------------
 * Inputs, built once. Sizes are large enough that, with two threads, the elementwise,
 * cross-entropy, row-wise and embedding calls spread their blocks over threads (so the
 * per-block sums are allocated) and CTC runs its batch on two threads (per-thread scratch).
 * ---------------------------------------------------------------------------------------- */

#define EW_N 200000
#define CE_ROWS 2048
#define CE_C 100
#define EMB_ROWS 40000
#define EMB_DIM 8
#define NT_N 64
#define NT_DIM 4
#define CTC_T 6
#define CTC_N 64
#define CTC_C 4
#define CTC_S 2
#define OV_N 2
#define OV_C 3
#define OV_S 16
#define HY_ROWS 100
#define HY_C 3

static double ew_x[EW_N], ew_y[EW_N];
static double ce_z[CE_ROWS * CE_C];
static int64_t ce_y[CE_ROWS];
static double emb_a[EMB_ROWS * EMB_DIM], emb_b[EMB_ROWS * EMB_DIM], emb_t[EMB_ROWS];
static double nt_e[NT_N * NT_DIM];
static int64_t nt_labels[NT_N];
static double ctc_lp[CTC_T * CTC_N * CTC_C];
static int64_t ctc_targets[CTC_N * CTC_S], ctc_il[CTC_N], ctc_tl[CTC_N];
static double ov_x[OV_N * OV_C * OV_S];
static int64_t ov_t[OV_N * OV_S];
static double hy_x[HY_ROWS * HY_C], hy_y[HY_ROWS * HY_C];

static double value(int64_t i, int64_t period) { return (double)((i * 7919) % period) / (double)period - 0.5; }

static void make_inputs(void) {
    for (int i = 0; i < EW_N; i++) { ew_x[i] = value(i, 101); ew_y[i] = value(i + 3, 37); }
    for (int i = 0; i < CE_ROWS * CE_C; i++) ce_z[i] = 4 * value(i, 211);
    for (int i = 0; i < CE_ROWS; i++) ce_y[i] = (i * 13) % CE_C;
    for (int i = 0; i < EMB_ROWS * EMB_DIM; i++) { emb_a[i] = value(i, 53); emb_b[i] = value(i + 1, 59); }
    for (int i = 0; i < EMB_ROWS; i++) emb_t[i] = i % 3 ? 1 : -1;
    for (int i = 0; i < NT_N * NT_DIM; i++) nt_e[i] = value(i, 17) + 0.01;
    for (int i = 0; i < NT_N; i++) nt_labels[i] = i / 2;
    /* Uniform log-probabilities: every frame log(1/C). */
    for (int i = 0; i < CTC_T * CTC_N * CTC_C; i++) ctc_lp[i] = -log((double)CTC_C) + 0.1 * value(i, 7);
    for (int n = 0; n < CTC_N; n++) {
        ctc_il[n] = CTC_T - n % 3;
        ctc_tl[n] = 1 + n % CTC_S;
        for (int k = 0; k < CTC_S; k++) ctc_targets[n * CTC_S + k] = 1 + (n + k) % (CTC_C - 1);
    }
    for (int i = 0; i < OV_N * OV_C * OV_S; i++) ov_x[i] = 3 * value(i, 29);
    for (int i = 0; i < OV_N * OV_S; i++) ov_t[i] = (i * 5) % OV_C;
    for (int i = 0; i < HY_ROWS * HY_C; i++) { hy_x[i] = value(i, 31); hy_y[i] = value(i + 2, 41); }
}

static int32_t id_of(const char *name) {
    int32_t id = -1;
    if (lk_loss_id(name, &id) != LK_OK) {
        printf("FAIL - no loss named %s\n", name);
        exit(1);
    }
    return id;
}

/* ------------------------------------------------------------------------------------------
 * One call per driver, writing to `out` (n_out doubles: losses, gradients, Hessians).
 * ---------------------------------------------------------------------------------------- */

typedef lk_status (*driver_call)(double *loss, double *out);

static lk_status call_elementwise(double *loss, double *out) {
    return lk_elementwise(id_of("huber_loss"), NULL, 0, LK_FLOAT64, EW_N, ew_x, ew_y, NULL, 0, 0, NULL, 0,
                          LK_REDUCTION_MEAN, loss, NULL, out, out + EW_N);
}

static lk_status call_cross_entropy(double *loss, double *out) {
    return lk_cross_entropy(LK_FLOAT64, CE_ROWS, CE_C, ce_z, ce_y, NULL, NULL, NULL, -100, 0.1,
                            LK_REDUCTION_MEAN, loss, NULL, out, out + CE_ROWS * CE_C);
}

static lk_status call_rowwise(double *loss, double *out) {
    double gamma = 2;
    return lk_rowwise(id_of("softmax_focal_loss"), &gamma, 1, LK_FLOAT64, CE_ROWS, CE_C, ce_z, ce_y, CE_ROWS,
                      NULL, NULL, NULL, -100, LK_REDUCTION_MEAN, loss, NULL, 0, out, out + CE_ROWS * CE_C);
}

static lk_status call_embedding(double *loss, double *out) {
    double margin = 0.1;
    return lk_embedding(id_of("cosine_embedding_loss"), &margin, 1, 0, LK_FLOAT64, EMB_ROWS, EMB_DIM, emb_a,
                        emb_b, NULL, emb_t, NULL, LK_REDUCTION_MEAN, loss, NULL, out,
                        out + EMB_ROWS * EMB_DIM, NULL);
}

static lk_status call_ntxent(double *loss, double *out) {
    return lk_ntxent(LK_FLOAT64, NT_N, NT_DIM, nt_e, nt_labels, 0.5, LK_REDUCTION_NONE, loss, out, out + NT_N);
}

static lk_status call_ctc(double *loss, double *out) {
    return lk_ctc(LK_FLOAT64, CTC_T, CTC_N, CTC_C, ctc_lp, ctc_targets, CTC_N * CTC_S, CTC_S, ctc_il, ctc_tl, 0, 0,
                  NULL, LK_REDUCTION_NONE, loss, out, out + CTC_N);
}

static lk_status call_ctc_loss_only(double *loss, double *out) {
    return lk_ctc(LK_FLOAT64, CTC_T, CTC_N, CTC_C, ctc_lp, ctc_targets, CTC_N * CTC_S, CTC_S, ctc_il, ctc_tl, 0, 0,
                  NULL, LK_REDUCTION_NONE, loss, out, NULL);
}

/* Parameters {smooth, apply_softmax, ignore_background} (Lovász: the last two). */
static lk_status call_overlap(const char *name, double *loss, double *out) {
    size_t cells = OV_N * OV_C * OV_S;
    int lovasz = strcmp(name, "lovasz_softmax_loss") == 0;
    double params[3] = {1, 1, 0};
    return lk_overlap(id_of(name), params + lovasz, 3 - lovasz, LK_FLOAT64, OV_N, OV_C, OV_S, ov_x, ov_t, NULL, NULL, NULL,
                      LK_REDUCTION_NONE, loss, out, out + OV_N, out + OV_N + cells);
}
static lk_status call_dice(double *loss, double *out) { return call_overlap("dice_loss", loss, out); }
static lk_status call_lovasz(double *loss, double *out) { return call_overlap("lovasz_softmax_loss", loss, out); }

static lk_status call_hybrid(double *loss, double *out) {
    int32_t parts[2] = {id_of("mse_loss"), id_of("huber_loss")};
    double weights[2] = {0.25, 2};
    double parts_out[2] = {SENTINEL, SENTINEL};
    size_t cells = HY_ROWS * HY_C;
    lk_status s = lk_hybrid(2, parts, weights, NULL, NULL, LK_FLOAT64, HY_ROWS, HY_C, hy_x, NULL, 0, hy_y, NULL,
                            -100, LK_REDUCTION_NONE, loss, parts_out, out, cells, NULL, out + cells,
                            out + 2 * cells);
    out[3 * cells] = parts_out[0];
    out[3 * cells + 1] = parts_out[1];
    return s;
}

typedef struct {
    const char *name;
    driver_call call;
    size_t n_out;
    const char *mention; /* NULL: the driver needs no scratch and must always succeed */
} driver;

static const driver drivers[] = {
    {"lk_elementwise (huber_loss)", call_elementwise, 2 * EW_N, NULL},
    {"lk_cross_entropy", call_cross_entropy, 2 * CE_ROWS * CE_C, NULL},
    {"lk_rowwise (softmax_focal_loss)", call_rowwise, 2 * CE_ROWS * CE_C, NULL},
    {"lk_embedding (cosine_embedding_loss)", call_embedding, 2 * EMB_ROWS * EMB_DIM, NULL},
    {"lk_ntxent", call_ntxent, NT_N + NT_N * NT_DIM, "NT-Xent"},
    {"lk_ctc with grad", call_ctc, CTC_N + CTC_T * CTC_N * CTC_C, "CTC"},
    {"lk_ctc loss only", call_ctc_loss_only, CTC_N, "CTC"},
    {"lk_overlap (dice_loss)", call_dice, OV_N + 2 * OV_N * OV_C * OV_S, "overlap"},
    {"lk_overlap (lovasz_softmax_loss)", call_lovasz, OV_N + 2 * OV_N * OV_C * OV_S, "Lovász"},
    /* losses = hybrid, then grad, hess, then the 2 parts_out values. */
    {"lk_hybrid (mse_loss + huber_loss)", call_hybrid, 3 * HY_ROWS * HY_C + 2, "hybrid"},
};

static int all_sentinel(const double *out, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (out[i] != SENTINEL) return 0;
    return 1;
}

/* Runs `d` with the allocation limit `after` and compares with `reference` (and `ref_loss`). */
static void run_limited(const driver *d, int64_t after, const double *reference, double ref_loss,
                        double *out, int *failures) {
    double loss = SENTINEL;
    for (size_t i = 0; i < d->n_out; i++) out[i] = SENTINEL;
    lk_testing_fail_allocations(after);
    lk_status s = d->call(&loss, out);
    lk_testing_fail_allocations(-1);
    if (s == LK_OK) {
        int same = memcmp(&loss, &ref_loss, sizeof loss) == 0 && memcmp(out, reference, d->n_out * sizeof *out) == 0;
        check(same, "%s, allocations failing after %lld: LK_OK with bitwise the unlimited result",
              d->name, (long long)after);
        return;
    }
    (*failures)++;
    const char *message = lk_last_error();
    int named = d->mention && strstr(message, "out of memory: could not allocate") && strstr(message, d->mention)
                && strstr(message, "bytes");
    check(s == LK_ERR_OUT_OF_MEMORY && named && loss == SENTINEL && all_sentinel(out, d->n_out),
          "%s, allocations failing after %lld: %s, \"%s\" (must name \"%s\" and the size), outputs %s",
          d->name, (long long)after, lk_status_name(s), message, d->mention ? d->mention : "(must not fail)",
          loss == SENTINEL && all_sentinel(out, d->n_out) ? "untouched" : "WRITTEN");
}

static void test_driver(const driver *d) {
    double *reference = malloc(d->n_out * sizeof *reference), *out = malloc(d->n_out * sizeof *out);
    double ref_loss = SENTINEL;
    for (size_t i = 0; i < d->n_out; i++) reference[i] = SENTINEL;
    lk_status s = d->call(&ref_loss, reference);
    check(s == LK_OK && isfinite(ref_loss), "%s without a limit: %s, loss %g", d->name, lk_status_name(s), ref_loss);
    int failures = 0;
    for (int64_t after = 0; after <= 4; after++) run_limited(d, after, reference, ref_loss, out, &failures);
    if (d->mention) {
        /* With no allocation at all, a driver that needs scratch fails: the first call above. */
        check(failures > 0, "%s reports LK_ERR_OUT_OF_MEMORY when nothing can be allocated", d->name);
    }
    free(reference);
    free(out);
}

/* ------------------------------------------------------------------------------------------
 * The two CTC calls of issue 18 that aborted the process.
 * ---------------------------------------------------------------------------------------- */

/* The loss alone keeps two frames of alpha, the gradient the whole table: same recursion, so
 * the same losses bit for bit. */
static void test_ctc_loss_alone_matches(void) {
    double with_grad[CTC_N + CTC_T * CTC_N * CTC_C], alone[CTC_N], loss_grad = SENTINEL, loss_alone = SENTINEL;
    lk_status s1 = call_ctc(&loss_grad, with_grad), s2 = call_ctc_loss_only(&loss_alone, alone);
    check(s1 == LK_OK && s2 == LK_OK && memcmp(&loss_grad, &loss_alone, sizeof loss_grad) == 0
              && memcmp(with_grad, alone, sizeof alone) == 0,
          "lk_ctc: the losses without a gradient (two frames of alpha) are bitwise those with it (%.17g, %.17g)",
          loss_grad, loss_alone);
}

static void test_ctc_reproducers(void) {
    /* 200,000 frames of log(1/3), one sequence, a target of 100,000 alternating labels: the
     * gradient needs an alpha table of 200,000 x 200,001 doubles (320 GB). */
    enum { T = 200000, S = 100000, C = 3 };
    double *lp = malloc(sizeof(double) * T * C), *grad = malloc(sizeof(double) * T * C);
    int64_t *target = malloc(sizeof(int64_t) * S), il = T, tl = S;
    for (size_t i = 0; i < (size_t)T * C; i++) { lp[i] = -log(3.0); grad[i] = SENTINEL; }
    for (int k = 0; k < S; k++) target[k] = 1 + k % 2;
    double loss = SENTINEL;
    lk_status s = lk_ctc(LK_FLOAT64, T, 1, C, lp, target, S, 0, &il, &tl, 0, 0, NULL, LK_REDUCTION_SUM,
                         &loss, NULL, grad);
    const char *message = lk_last_error();
    check(s == LK_ERR_OUT_OF_MEMORY && strstr(message, "α table") && strstr(message, "320") != NULL
              && loss == SENTINEL && all_sentinel(grad, (size_t)T * C),
          "issue 18: CTC gradient with a 320 GB alpha table: %s, \"%s\", outputs %s", lk_status_name(s), message,
          loss == SENTINEL && all_sentinel(grad, (size_t)T * C) ? "untouched" : "WRITTEN");
    free(lp);
    free(grad);
    free(target);

    /* log_probs of shape (0, 2, 2^40), empty targets: nothing to compute, nothing to allocate. */
    int64_t lengths[2] = {0, 0};
    double empty_loss = SENTINEL, losses[2] = {SENTINEL, SENTINEL};
    s = lk_ctc(LK_FLOAT64, 0, 2, (size_t)1 << 40, NULL, NULL, 0, 0, lengths, lengths, 0, 0, NULL,
               LK_REDUCTION_NONE, &empty_loss, losses, NULL);
    check(s == LK_OK && empty_loss == 0 && losses[0] == 0 && losses[1] == 0,
          "issue 18: CTC of shape (0, 2, 2^40) with empty targets: %s, loss %g, losses {%g, %g}",
          lk_status_name(s), empty_loss, losses[0], losses[1]);
}

/* ------------------------------------------------------------------------------------------
 * The limit is one atomic count shared by all threads: threads racing through it each get
 * either a complete result or LK_ERR_OUT_OF_MEMORY with untouched outputs, and together no
 * more successes than the limit allows.
 * ---------------------------------------------------------------------------------------- */

#define RACE_CALLS 200
#define RACE_LIMIT 150

typedef struct {
    const double *reference;
    double reference_loss;
    int ok, out_of_memory, wrong;
} race;

static void *race_ctc(void *arg) {
    race *r = arg;
    double out[CTC_N + CTC_T * CTC_N * CTC_C];
    for (int i = 0; i < RACE_CALLS; i++) {
        double loss = SENTINEL;
        for (size_t k = 0; k < sizeof out / sizeof *out; k++) out[k] = SENTINEL;
        lk_status s = call_ctc(&loss, out);
        if (s == LK_OK && loss == r->reference_loss && memcmp(out, r->reference, sizeof out) == 0) r->ok++;
        else if (s == LK_ERR_OUT_OF_MEMORY && loss == SENTINEL && all_sentinel(out, sizeof out / sizeof *out))
            r->out_of_memory++;
        else r->wrong++;
    }
    return NULL;
}

static void test_threads_share_the_limit(void) {
    double reference[CTC_N + CTC_T * CTC_N * CTC_C], reference_loss;
    call_ctc(&reference_loss, reference);
    race races[2] = {{reference, reference_loss, 0, 0, 0}, {reference, reference_loss, 0, 0, 0}};
    pthread_t threads[2];
    /* Each lk_ctc call with a gradient makes two allocations when they succeed. */
    lk_testing_fail_allocations(RACE_LIMIT);
    for (int t = 0; t < 2; t++) pthread_create(&threads[t], NULL, race_ctc, &races[t]);
    for (int t = 0; t < 2; t++) pthread_join(threads[t], NULL);
    lk_testing_fail_allocations(-1);
    int ok = races[0].ok + races[1].ok, oom = races[0].out_of_memory + races[1].out_of_memory;
    int wrong = races[0].wrong + races[1].wrong;
    check(wrong == 0 && ok + oom == 2 * RACE_CALLS && ok > 0 && ok <= RACE_LIMIT / 2 && oom > 0,
          "two threads under one limit of %d allocations: %d complete results, %d LK_ERR_OUT_OF_MEMORY, %d wrong",
          RACE_LIMIT, ok, oom, wrong);
    double loss = SENTINEL, out[CTC_N + CTC_T * CTC_N * CTC_C];
    check(call_ctc(&loss, out) == LK_OK && loss == reference_loss, "after lk_testing_fail_allocations(-1) calls succeed");
}

int main(void) {
    make_inputs();
    lk_set_num_threads(2);
    for (size_t i = 0; i < sizeof drivers / sizeof *drivers; i++) test_driver(&drivers[i]);
    test_ctc_loss_alone_matches();
    test_ctc_reproducers();
    test_threads_share_the_limit();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
