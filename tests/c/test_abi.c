/*
 * test_abi.c: tests liblosskit.so through its public header only, as any C program would.
 *
 * Every expected value is computed here in double from the formulas in losskit.h (and
 * PyTorch's definitions), never copied from the library's output. Prints one line per check
 * and a last line "N passed, M failed"; exits 1 if any check failed.
 *
 * Build: cc -std=c11 -I include tests/c/test_abi.c -L <dir> -llosskit -Wl,-rpath,<dir> -lpthread -lm
 */
#define _POSIX_C_SOURCE 200809L /* pthread barriers */

#include "losskit.h"
#include "check.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------
 * Reporting (check() is in check.h)
 * ---------------------------------------------------------------------------------------- */

/* |actual - expected| <= rel * |expected| + abs, false for NaN. */
static int close_to(double actual, double expected, double rel, double abs_tol) {
    return fabs(actual - expected) <= rel * fabs(expected) + abs_tol;
}

/* Tolerances for results of each dtype against double references: inputs below are exact in
 * float, so float32 results are off by their own rounding only. */
static double rel_tol(lk_dtype dtype) { return dtype == LK_FLOAT32 ? 1e-5 : 1e-12; }
static double abs_tol(lk_dtype dtype) { return dtype == LK_FLOAT32 ? 1e-6 : 1e-14; }
static const char *dtype_name(lk_dtype dtype) { return dtype == LK_FLOAT32 ? "float32" : "float64"; }
static const char *reduction_name(lk_reduction r) {
    return r == LK_REDUCTION_NONE ? "none" : r == LK_REDUCTION_MEAN ? "mean" : "sum";
}

/* ------------------------------------------------------------------------------------------
 * Arrays of either dtype
 * ---------------------------------------------------------------------------------------- */

/* Output arrays get GUARD extra elements holding SENTINEL, checked after the call. */
#define GUARD 32
#define SENTINEL (-12345.5)

static size_t size_of(lk_dtype dtype) { return dtype == LK_FLOAT32 ? sizeof(float) : sizeof(double); }

/* A malloc'd copy of v[0..n) in `dtype` (NULL for NULL), with room for GUARD more elements. */
static void *typed_copy(lk_dtype dtype, const double *v, size_t n) {
    if (!v) return NULL;
    void *p = malloc((n + GUARD) * size_of(dtype));
    for (size_t i = 0; i < n; i++) {
        if (dtype == LK_FLOAT32) ((float *)p)[i] = (float)v[i];
        else ((double *)p)[i] = v[i];
    }
    return p;
}

static double typed_get(lk_dtype dtype, const void *p, size_t i) {
    return dtype == LK_FLOAT32 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}

/* A malloc'd output of n + GUARD elements, all SENTINEL. */
static void *typed_output(lk_dtype dtype, size_t n) {
    void *p = malloc((n + GUARD) * size_of(dtype));
    for (size_t i = 0; i < n + GUARD; i++) {
        if (dtype == LK_FLOAT32) ((float *)p)[i] = (float)SENTINEL;
        else ((double *)p)[i] = SENTINEL;
    }
    return p;
}

/* Whether the GUARD elements after n are still SENTINEL. */
static int guard_intact(lk_dtype dtype, const void *p, size_t n) {
    for (size_t i = n; i < n + GUARD; i++)
        if (typed_get(dtype, p, i) != SENTINEL) return 0;
    return 1;
}

/* Index of the first of n outputs that is not within tolerance of expected[], or -1. */
static long first_mismatch(lk_dtype dtype, const void *actual, const double *expected, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!close_to(typed_get(dtype, actual, i), expected[i], rel_tol(dtype), abs_tol(dtype))) return (long)i;
    return -1;
}

/* ------------------------------------------------------------------------------------------
 * Elementwise losses: references
 * ---------------------------------------------------------------------------------------- */

enum { MSE, L1, HUBER, BCE, N_ELEMENTWISE };
static const char *const elementwise_names[N_ELEMENTWISE] = {
    "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy_with_logits"};

static double sigmoid(double x) { return 1 / (1 + exp(-x)); }

/* l, dl/dx, d2l/dx2 of one element, from the textbook definitions:
 * mse (x-y)^2; l1 |x-y| (gradient 0 at x = y); huber 0.5 r^2 inside delta, delta(|r| - delta/2)
 * outside; BCE -[p y log s + (1-y) log(1-s)], s = sigmoid(x), whose derivatives are
 * s (p y + 1 - y) - p y and (p y + 1 - y) s (1 - s). */
static void reference_terms(int loss, double delta, double x, double y, double p, double t[3]) {
    double r = x - y, s;
    switch (loss) {
    case MSE: t[0] = r * r; t[1] = 2 * r; t[2] = 2; break;
    case L1: t[0] = fabs(r); t[1] = (r > 0) - (r < 0); t[2] = 0; break;
    case HUBER:
        if (fabs(r) <= delta) { t[0] = 0.5 * r * r; t[1] = r; t[2] = 1; }
        else { t[0] = delta * (fabs(r) - 0.5 * delta); t[1] = r > 0 ? delta : -delta; t[2] = 0; }
        break;
    default:
        s = sigmoid(x);
        t[0] = -(p * y * log(s) + (1 - y) * log(1 - s));
        t[1] = s * (p * y + 1 - y) - p * y;
        t[2] = (p * y + 1 - y) * s * (1 - s);
    }
}

/* One elementwise case: 21 elements = 7 rows of 3 columns, so both vector widths (16 floats,
 * 8 doubles) leave a tail; optional weights per row (period 3) and pos_weight per column. */
#define EW_N 21
#define EW_ROWS 7
#define EW_COLS 3
static const double row_weight[EW_ROWS] = {0.5, 2, 0, 1.25, 1, 0.25, 3};
static const double pos_weight[EW_COLS] = {1, 2.5, 0.5};
static const double huber_delta = 0.75;

static void elementwise_data(int loss, double x[EW_N], double y[EW_N]) {
    for (int i = 0; i < EW_N; i++) {
        /* Multiples of 1/8; for huber residuals stay 1/8 away from +-delta = +-0.75 ... */
        x[i] = ((i * 37) % 23) / 8.0 - 1.25 + (loss == HUBER ? 1.0 / 16 : 0);
        y[i] = loss == BCE ? (double[]){0, 1, 0.25}[i % 3] : ((i * 11) % 7) / 4.0;
        if (loss == BCE) x[i] *= 3;
    }
}

/* Runs one elementwise case through lk_elementwise and compares every output with the
 * reference. `weighting` < 0 means no weights. */
static void test_elementwise_case(int loss, lk_dtype dtype, lk_reduction reduction, int weighting) {
    double x[EW_N], y[EW_N];
    elementwise_data(loss, x, y);
    int32_t id = -1;
    lk_status found = lk_loss_id(elementwise_names[loss], &id);

    /* Reference: w_i l_i, and derivatives scaled by w_i / D. */
    double expected_losses[EW_N], expected_grad[EW_N], expected_hess[EW_N];
    double total = 0, weight_total = 0;
    for (int i = 0; i < EW_N; i++) {
        double t[3], w = weighting >= 0 ? row_weight[i / EW_COLS] : 1;
        reference_terms(loss, huber_delta, x[i], y[i], loss == BCE ? pos_weight[i % EW_COLS] : 1, t);
        expected_losses[i] = w * t[0];
        expected_grad[i] = w * t[1];
        expected_hess[i] = w * t[2];
        total += w * t[0];
        weight_total += w;
    }
    double expected = total;
    if (reduction == LK_REDUCTION_MEAN) {
        double d = weighting == LK_WEIGHTING_NORMALIZED ? weight_total : EW_N;
        expected = total / d;
        for (int i = 0; i < EW_N; i++) { expected_grad[i] /= d; expected_hess[i] /= d; }
    }

    void *in = typed_copy(dtype, x, EW_N), *tg = typed_copy(dtype, y, EW_N);
    void *w = typed_copy(dtype, weighting >= 0 ? row_weight : NULL, EW_ROWS);
    void *col = typed_copy(dtype, loss == BCE ? pos_weight : NULL, EW_COLS);
    void *losses = typed_output(dtype, EW_N), *grad = typed_output(dtype, EW_N), *hess = typed_output(dtype, EW_N);
    double params[1] = {huber_delta}, result = NAN;
    lk_status status = lk_elementwise(
        id, loss == HUBER ? params : NULL, loss == HUBER ? 1 : 0, dtype, EW_N, in, tg,
        w, w ? EW_ROWS : 0, weighting >= 0 ? weighting : LK_WEIGHTING_NORMALIZED,
        col, col ? EW_COLS : 0, reduction, &result,
        reduction == LK_REDUCTION_NONE ? losses : NULL, grad, hess);

    long bad_loss = reduction == LK_REDUCTION_NONE ? first_mismatch(dtype, losses, expected_losses, EW_N) : -1;
    long bad_grad = first_mismatch(dtype, grad, expected_grad, EW_N);
    long bad_hess = first_mismatch(dtype, hess, expected_hess, EW_N);
    int guards = guard_intact(dtype, grad, EW_N) && guard_intact(dtype, hess, EW_N)
                 && guard_intact(dtype, losses, reduction == LK_REDUCTION_NONE ? EW_N : 0);
    check(found == LK_OK && status == LK_OK && close_to(result, expected, rel_tol(dtype), abs_tol(dtype))
              && bad_loss < 0 && bad_grad < 0 && bad_hess < 0 && guards,
          "lk_elementwise %s %s reduction=%s weights=%s: status %s, loss %.17g (expected %.17g), "
          "first bad loss/grad/hess element %ld/%ld/%ld, guards %s",
          elementwise_names[loss], dtype_name(dtype), reduction_name(reduction),
          weighting < 0 ? "none" : weighting == LK_WEIGHTING_NORMALIZED ? "normalized" : "rescale",
          lk_status_name(status), result, expected, bad_loss, bad_grad, bad_hess, guards ? "intact" : "OVERWRITTEN");
    if (reduction != LK_REDUCTION_NONE) {
        /* Without loss_out the library computes the derivatives only, in a loop of its own. */
        void *grad_only = typed_output(dtype, EW_N), *hess_only = typed_output(dtype, EW_N);
        status = lk_elementwise(
            id, loss == HUBER ? params : NULL, loss == HUBER ? 1 : 0, dtype, EW_N, in, tg,
            w, w ? EW_ROWS : 0, weighting >= 0 ? weighting : LK_WEIGHTING_NORMALIZED,
            col, col ? EW_COLS : 0, reduction, NULL, NULL, grad_only, hess_only);
        bad_grad = first_mismatch(dtype, grad_only, expected_grad, EW_N);
        bad_hess = first_mismatch(dtype, hess_only, expected_hess, EW_N);
        guards = guard_intact(dtype, grad_only, EW_N) && guard_intact(dtype, hess_only, EW_N);
        check(status == LK_OK && bad_grad < 0 && bad_hess < 0 && guards,
              "lk_elementwise %s %s reduction=%s weights=%s, derivatives only (loss_out NULL): status %s, "
              "first bad grad/hess element %ld/%ld, guards %s", elementwise_names[loss], dtype_name(dtype),
              reduction_name(reduction), weighting < 0 ? "none" : weighting == LK_WEIGHTING_NORMALIZED ? "normalized" : "rescale",
              lk_status_name(status), bad_grad, bad_hess, guards ? "intact" : "OVERWRITTEN");
        free(grad_only); free(hess_only);
    }
    free(in); free(tg); free(w); free(col); free(losses); free(grad); free(hess);
}

static void test_elementwise_results(void) {
    for (int loss = 0; loss < N_ELEMENTWISE; loss++)
        for (lk_dtype dtype = LK_FLOAT32; dtype <= LK_FLOAT64; dtype++)
            for (lk_reduction r = LK_REDUCTION_NONE; r <= LK_REDUCTION_SUM; r++)
                for (int weighting = -1; weighting <= LK_WEIGHTING_RESCALE; weighting++)
                    test_elementwise_case(loss, dtype, r, weighting);
}

/* Hand values at the edges: huber exactly at |r| = delta, l1 at r = 0, BCE at logits +-1e4,
 * the empty mean (every weight 0) and n = 0 with NULL arrays; outputs that are optional
 * (loss_out, grad, hess) may be NULL. */
static void test_elementwise_edges(void) {
    int32_t huber = 2, l1 = 1, bce = 3, mse = 0;
    double delta = 1.5, loss = NAN;
    double x[2] = {1.5, -1}, y[2] = {0, 0.5}, grad[2], hess[2];
    lk_status s = lk_elementwise(huber, &delta, 1, LK_FLOAT64, 2, x, y, NULL, 0, 0, NULL, 0,
                                 LK_REDUCTION_SUM, &loss, NULL, grad, hess);
    check(s == LK_OK && loss == 2.25 && grad[0] == 1.5 && grad[1] == -1.5 && hess[0] == 1 && hess[1] == 1,
          "huber at |r| = delta: loss %g (2.25), grad %g %g (+-1.5), hess %g %g (1 1)", loss, grad[0], grad[1], hess[0], hess[1]);

    float xf[3] = {0.5f, -2, 3}, yf[3] = {0.5f, -2, 3}, gf[3], hf[3];
    s = lk_elementwise(l1, NULL, 0, LK_FLOAT32, 3, xf, yf, NULL, 0, 0, NULL, 0, LK_REDUCTION_MEAN, &loss, NULL, gf, hf);
    check(s == LK_OK && loss == 0 && gf[0] == 0 && gf[1] == 0 && gf[2] == 0 && hf[0] == 0,
          "l1 at r = 0: loss %g, grad %g %g %g (all 0)", loss, gf[0], gf[1], gf[2]);

    /* At |x| = 1e4: l = (1-y) x + max(-x, 0), gradient (1-y) - [x < 0], Hessian 0. */
    double xb[4] = {1e4, 1e4, -1e4, -1e4}, yb[4] = {1, 0, 1, 0}, lb[4], gb[4], hb[4];
    s = lk_elementwise(bce, NULL, 0, LK_FLOAT64, 4, xb, yb, NULL, 0, 0, NULL, 0, LK_REDUCTION_NONE, &loss, lb, gb, hb);
    check(s == LK_OK && lb[0] == 0 && lb[1] == 1e4 && lb[2] == 1e4 && lb[3] == 0 && gb[0] == 0 && gb[1] == 1
              && gb[2] == -1 && gb[3] == 0 && hb[0] == 0 && hb[1] == 0 && hb[2] == 0 && hb[3] == 0,
          "bce at logits +-1e4: losses %g %g %g %g (0 1e4 1e4 0), grad %g %g %g %g (0 1 -1 0)",
          lb[0], lb[1], lb[2], lb[3], gb[0], gb[1], gb[2], gb[3]);

    double zero_w[2] = {0, 0};
    grad[0] = grad[1] = hess[0] = hess[1] = NAN;
    s = lk_elementwise(mse, NULL, 0, LK_FLOAT64, 2, x, y, zero_w, 2, LK_WEIGHTING_NORMALIZED, NULL, 0,
                       LK_REDUCTION_MEAN, &loss, NULL, grad, hess);
    check(s == LK_OK && loss == 0 && grad[0] == 0 && grad[1] == 0 && hess[0] == 0 && hess[1] == 0,
          "mean with every weight 0 is 0 with zero derivatives: loss %g, grad %g %g", loss, grad[0], grad[1]);

    loss = NAN;
    s = lk_elementwise(mse, NULL, 0, LK_FLOAT32, 0, NULL, NULL, NULL, 0, 0, NULL, 0, LK_REDUCTION_MEAN, &loss, NULL, NULL, NULL);
    check(s == LK_OK && loss == 0, "n = 0 with NULL arrays: status %s, mean %g", lk_status_name(s), loss);
    s = lk_elementwise(mse, NULL, 0, LK_FLOAT32, 0, NULL, NULL, NULL, 0, 0, NULL, 0, LK_REDUCTION_NONE, &loss, NULL, NULL, NULL);
    check(s == LK_OK && loss == 0, "n = 0, reduction none with NULL losses: status %s", lk_status_name(s));
    s = lk_elementwise(mse, NULL, 0, LK_FLOAT64, 2, x, y, NULL, 0, 0, NULL, 0, LK_REDUCTION_SUM, NULL, NULL, NULL, NULL);
    check(s == LK_OK, "every output NULL except required ones: status %s", lk_status_name(s));
}

/* ------------------------------------------------------------------------------------------
 * Cross-entropy
 * ---------------------------------------------------------------------------------------- */

/* 3 rows of 17 classes: one float vector plus 1, two double vectors plus 1. */
#define CE_ROWS 3
#define CE_C 17

typedef struct {
    const char *name;
    const int64_t *index;       /* or NULL */
    const double *prob;         /* or NULL */
    const double *class_weight; /* or NULL */
    const double *sample_weight;
    int64_t ignore_index;
    double smoothing;
} ce_case;

/* PyTorch's definition, row by row, with nll_c = -log softmax(z)_c:
 *   index y:          (1-e) w_y nll_y + e/C sum_c w_c nll_c
 *   probabilities t:  sum_c w_c ((1-e) t_c + e/C) nll_c
 * times the sample weight s. Derivatives from the header: s (A p - a) and s A p (1-p), with
 * a the row's coefficients, A their sum; 'mean' divides all by sum s w_y (index targets,
 * ignored rows excluded) or sum s (probabilities). */
static double reference_ce(const ce_case *k, const double *z, lk_reduction reduction,
                           double row_loss[CE_ROWS], double grad[CE_ROWS * CE_C], double hess[CE_ROWS * CE_C]) {
    double total = 0, denominator = 0;
    for (int i = 0; i < CE_ROWS; i++) {
        const double *zi = z + i * CE_C;
        double s = k->sample_weight ? k->sample_weight[i] : 1, m = zi[0], sum = 0, a[CE_C], p[CE_C], nll[CE_C];
        for (int c = 1; c < CE_C; c++) m = fmax(m, zi[c]);
        for (int c = 0; c < CE_C; c++) sum += exp(zi[c] - m);
        for (int c = 0; c < CE_C; c++) { nll[c] = m + log(sum) - zi[c]; p[c] = exp(-nll[c]); }
        int ignored = k->index && k->index[i] == k->ignore_index;
        row_loss[i] = 0;
        double A = 0;
        for (int c = 0; c < CE_C; c++) {
            double w = k->class_weight ? k->class_weight[c] : 1;
            if (k->index) a[c] = (c == k->index[i] ? (1 - k->smoothing) * w : 0) + k->smoothing / CE_C * w;
            else a[c] = w * ((1 - k->smoothing) * k->prob[i * CE_C + c] + k->smoothing / CE_C);
            A += a[c];
        }
        if (!ignored) {
            if (k->index) {
                int y = (int)k->index[i];
                double wy = k->class_weight ? k->class_weight[y] : 1, smooth = 0;
                for (int c = 0; c < CE_C; c++) smooth += (k->class_weight ? k->class_weight[c] : 1) * nll[c];
                row_loss[i] = s * ((1 - k->smoothing) * wy * nll[y] + k->smoothing / CE_C * smooth);
                denominator += s * wy;
            } else {
                for (int c = 0; c < CE_C; c++) row_loss[i] += s * a[c] * nll[c];
                denominator += s;
            }
        }
        for (int c = 0; c < CE_C; c++) {
            grad[i * CE_C + c] = ignored ? 0 : s * (A * p[c] - a[c]);
            hess[i * CE_C + c] = ignored ? 0 : s * A * p[c] * (1 - p[c]);
        }
        total += row_loss[i];
    }
    if (reduction != LK_REDUCTION_MEAN) return total;
    double scale = denominator > 0 ? 1 / denominator : 0;
    for (int j = 0; j < CE_ROWS * CE_C; j++) { grad[j] *= scale; hess[j] *= scale; }
    return total * scale;
}

static void test_ce_case(const ce_case *k, lk_dtype dtype, lk_reduction reduction) {
    double z[CE_ROWS * CE_C];
    for (int j = 0; j < CE_ROWS * CE_C; j++) z[j] = ((j * 7 + (j / CE_C) * 13) % 29) / 4.0 - 3.5;
    double row_loss[CE_ROWS], grad[CE_ROWS * CE_C], hess[CE_ROWS * CE_C];
    double expected = reference_ce(k, z, reduction, row_loss, grad, hess);

    void *logits = typed_copy(dtype, z, CE_ROWS * CE_C), *prob = typed_copy(dtype, k->prob, CE_ROWS * CE_C);
    void *cw = typed_copy(dtype, k->class_weight, CE_C), *sw = typed_copy(dtype, k->sample_weight, CE_ROWS);
    void *losses = typed_output(dtype, CE_ROWS);
    void *g = typed_output(dtype, CE_ROWS * CE_C), *h = typed_output(dtype, CE_ROWS * CE_C);
    double result = NAN;
    lk_status status = lk_cross_entropy(dtype, CE_ROWS, CE_C, logits, k->index, prob, cw, sw, k->ignore_index,
                                        k->smoothing, reduction, &result,
                                        reduction == LK_REDUCTION_NONE ? losses : NULL, g, h);
    long bad_row = reduction == LK_REDUCTION_NONE ? first_mismatch(dtype, losses, row_loss, CE_ROWS) : -1;
    long bad_grad = first_mismatch(dtype, g, grad, CE_ROWS * CE_C);
    long bad_hess = first_mismatch(dtype, h, hess, CE_ROWS * CE_C);
    int guards = guard_intact(dtype, g, CE_ROWS * CE_C) && guard_intact(dtype, h, CE_ROWS * CE_C)
                 && guard_intact(dtype, losses, reduction == LK_REDUCTION_NONE ? CE_ROWS : 0);
    check(status == LK_OK && close_to(result, expected, rel_tol(dtype), abs_tol(dtype)) && bad_row < 0
              && bad_grad < 0 && bad_hess < 0 && guards,
          "lk_cross_entropy %s %s reduction=%s: status %s, loss %.17g (expected %.17g), "
          "first bad row/grad/hess %ld/%ld/%ld, guards %s",
          k->name, dtype_name(dtype), reduction_name(reduction), lk_status_name(status), result, expected,
          bad_row, bad_grad, bad_hess, guards ? "intact" : "OVERWRITTEN");
    free(logits); free(prob); free(cw); free(sw); free(losses); free(g); free(h);
}

static void test_cross_entropy_results(void) {
    static const int64_t index[CE_ROWS] = {3, 16, 0};
    static const int64_t index_ignored[CE_ROWS] = {3, -100, 16};
    static const int64_t index_ignore_7[CE_ROWS] = {7, 7, 9};
    static const double sample_weight[CE_ROWS] = {1, 0.5, 2};
    double class_weight[CE_C], prob[CE_ROWS * CE_C] = {0};
    for (int c = 0; c < CE_C; c++) class_weight[c] = (c % 4 + 1) / 2.0;
    for (int i = 0; i < CE_ROWS; i++) { /* dyadic rows summing to 1 */
        prob[i * CE_C + (5 * i) % CE_C] = 0.5;
        prob[i * CE_C + (5 * i + 1) % CE_C] = 0.25;
        prob[i * CE_C + (5 * i + 7) % CE_C] = 0.25;
    }
    const ce_case cases[] = {
        {"index", index, NULL, NULL, NULL, -100, 0},
        {"index+class_weight+sample_weight+ignored+smoothing", index_ignored, NULL, class_weight, sample_weight, -100, 0.125},
        {"index ignore_index=7 (a valid class)", index_ignore_7, NULL, NULL, NULL, 7, 0.25},
        {"probabilities", NULL, prob, NULL, NULL, -100, 0},
        {"probabilities+class_weight+sample_weight+smoothing", NULL, prob, class_weight, sample_weight, -100, 0.125},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        for (lk_dtype dtype = LK_FLOAT32; dtype <= LK_FLOAT64; dtype++)
            for (lk_reduction r = LK_REDUCTION_NONE; r <= LK_REDUCTION_SUM; r++)
                test_ce_case(&cases[k], dtype, r);
}

/* Hand values: logits +-1e4 (l = max z - z_y), a -inf logit on a zero-target class (finite),
 * every target ignored (mean 0, zero derivatives, not NaN), no rows at all. */
static void test_cross_entropy_edges(void) {
    double z[3] = {1e4, -1e4, 0}, loss = NAN, g[3], h[3];
    int64_t y1 = 1;
    lk_status s = lk_cross_entropy(LK_FLOAT64, 1, 3, z, &y1, NULL, NULL, NULL, -100, 0, LK_REDUCTION_MEAN, &loss, NULL, g, h);
    check(s == LK_OK && loss == 2e4 && g[0] == 1 && g[1] == -1 && g[2] == 0 && h[0] == 0 && h[1] == 0 && h[2] == 0,
          "cross_entropy at logits +-1e4: loss %g (2e4), grad %g %g %g (1 -1 0)", loss, g[0], g[1], g[2]);

    float zf[3] = {0, -INFINITY, 1}, gf[3], hf[3];
    int64_t y0 = 0;
    double p0 = 1 / (1 + exp(1)), p2 = 1 - p0;
    s = lk_cross_entropy(LK_FLOAT32, 1, 3, zf, &y0, NULL, NULL, NULL, -100, 0, LK_REDUCTION_SUM, &loss, NULL, gf, hf);
    check(s == LK_OK && close_to(loss, log(1 + exp(1)), 1e-6, 0) && close_to(gf[0], p0 - 1, 1e-6, 0) && gf[1] == 0
              && close_to(gf[2], p2, 1e-6, 0) && hf[1] == 0 && close_to(hf[0], p0 * p2, 1e-5, 0),
          "cross_entropy with a -inf logit on a zero-target class: loss %g (log(1+e)), grad %g %g %g", loss, gf[0], gf[1], gf[2]);

    int64_t ignored[2] = {-100, -100};
    double z2[4] = {0.5, 1, -1, 2}, g2[4] = {NAN, NAN, NAN, NAN};
    s = lk_cross_entropy(LK_FLOAT64, 2, 2, z2, ignored, NULL, NULL, NULL, -100, 0, LK_REDUCTION_MEAN, &loss, NULL, g2, NULL);
    check(s == LK_OK && loss == 0 && g2[0] == 0 && g2[1] == 0 && g2[2] == 0 && g2[3] == 0,
          "cross_entropy with every target ignored: mean %g, grad %g %g %g %g (all 0)", loss, g2[0], g2[1], g2[2], g2[3]);

    loss = NAN;
    s = lk_cross_entropy(LK_FLOAT32, 0, 5, NULL, NULL, NULL, NULL, NULL, -100, 0, LK_REDUCTION_MEAN, &loss, NULL, NULL, NULL);
    check(s == LK_OK && loss == 0, "cross_entropy with no rows and NULL arrays: status %s, mean %g", lk_status_name(s), loss);
}

/* ------------------------------------------------------------------------------------------
 * Version, status names, catalogue
 * ---------------------------------------------------------------------------------------- */

static void test_version(void) {
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", LK_VERSION_MAJOR, LK_VERSION_MINOR, LK_VERSION_PATCH);
    check(strcmp(lk_version(), expected) == 0, "lk_version() = \"%s\", header says \"%s\"", lk_version(), expected);
    check(lk_version_number() == LK_VERSION_NUMBER, "lk_version_number() = %d, LK_VERSION_NUMBER = %d",
          lk_version_number(), LK_VERSION_NUMBER);
    check(LK_VERSION_NUMBER == LK_VERSION_MAJOR * 10000 + LK_VERSION_MINOR * 100 + LK_VERSION_PATCH,
          "LK_VERSION_NUMBER is MAJOR * 10000 + MINOR * 100 + PATCH");
}

static void test_status_names(void) {
    static const struct { lk_status code; const char *name; } names[] = {
        {LK_OK, "LK_OK"}, {LK_ERR_INVALID_ARGUMENT, "LK_ERR_INVALID_ARGUMENT"}, {LK_ERR_SHAPE, "LK_ERR_SHAPE"},
        {LK_ERR_DTYPE, "LK_ERR_DTYPE"}, {LK_ERR_INDEX, "LK_ERR_INDEX"}, {LK_ERR_NULL_POINTER, "LK_ERR_NULL_POINTER"},
        {LK_ERR_UNKNOWN_LOSS, "LK_ERR_UNKNOWN_LOSS"}, {LK_ERR_INTERNAL, "LK_ERR_INTERNAL"},
        {LK_ERR_OUT_OF_MEMORY, "LK_ERR_OUT_OF_MEMORY"}, {9, "LK_UNKNOWN_STATUS"}, {-1, "LK_UNKNOWN_STATUS"}, {INT32_MAX, "LK_UNKNOWN_STATUS"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *got = lk_status_name(names[i].code);
        check(got && strcmp(got, names[i].name) == 0, "lk_status_name(%d) = \"%s\" (%s)", names[i].code, got ? got : "(null)", names[i].name);
    }
}

static void test_catalogue(void) {
    /* The first elementwise losses keep their ids; row-wise entries follow every elementwise
     * one (Catalogue.specs), so cross_entropy's id is checked separately below. */
    static const char *const all_names[] = {
        "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy_with_logits"};
    const char *json = lk_catalogue_json();
    check(json && json[0] == '{' && strlen(json) > 100, "lk_catalogue_json() is a non-empty JSON object");
    if (!json) return;
    char version[64];
    snprintf(version, sizeof version, "\"version\": \"%s\"", lk_version());
    check(strstr(json, version) != NULL, "catalogue carries %s", version);
    for (int32_t i = 0; i < (int32_t)(sizeof all_names / sizeof all_names[0]); i++) {
        char quoted[80];
        snprintf(quoted, sizeof quoted, "\"name\": \"%s\"", all_names[i]);
        int32_t id = -1;
        lk_status s = lk_loss_id(all_names[i], &id);
        check(strstr(json, quoted) != NULL && s == LK_OK && id == i,
              "catalogue lists %s; lk_loss_id gives %d (position %d)", all_names[i], id, i);
    }
    int32_t ce = -1;
    check(strstr(json, "\"name\": \"cross_entropy\"") != NULL && lk_loss_id("cross_entropy", &ce) == LK_OK
              && ce >= (int32_t)(sizeof all_names / sizeof all_names[0]),
          "catalogue lists cross_entropy after the elementwise losses; lk_loss_id gives %d", ce);
    check(lk_catalogue_json() == json, "lk_catalogue_json() returns the same static string every time");
}

/* ------------------------------------------------------------------------------------------
 * Error paths
 * ---------------------------------------------------------------------------------------- */

/* loss_out of the calls below: set to SENTINEL before each, which a failed call must not change. */
static double loss_out;

/* Checks a failed call: its status, a last error mentioning `mention`, loss_out untouched. */
static void expect_error(const char *what, lk_status status, lk_status expected, const char *mention) {
    const char *message = lk_last_error();
    check(status == expected && message && strstr(message, mention) != NULL && loss_out == SENTINEL,
          "%s: %s (want %s), lk_last_error() = \"%s\" (must mention \"%s\")%s", what, lk_status_name(status),
          lk_status_name(expected), message ? message : "(null)", mention, loss_out == SENTINEL ? "" : ", loss_out WRITTEN");
}

static void test_elementwise_errors(void) {
    double x[6] = {0.5, 1, -2, 3, 0, 1}, y[6] = {1, 1, 0, 2, 0.5, -1}, w[6] = {1, 1, 1, 1, 1, 1};
    double out[6], delta = 1, bad_delta;
    const int32_t mse = 0, huber = 2, bce = 3;
#define EW(loss_id, params, n_params, dtype, n, in, tg, weight, n_weight, weighting, column, n_column, reduction, losses) \
    (loss_out = SENTINEL, lk_elementwise(loss_id, params, n_params, dtype, n, in, tg, weight, n_weight, weighting, \
                                         column, n_column, reduction, &loss_out, losses, out, out))
    expect_error("input NULL", EW(mse, NULL, 0, LK_FLOAT64, 6, NULL, y, NULL, 0, 0, NULL, 0, 1, NULL), LK_ERR_NULL_POINTER, "input");
    expect_error("target NULL", EW(mse, NULL, 0, LK_FLOAT64, 6, x, NULL, NULL, 0, 0, NULL, 0, 1, NULL), LK_ERR_NULL_POINTER, "target");
    expect_error("params NULL with n_params 1", EW(huber, NULL, 1, LK_FLOAT64, 6, x, y, NULL, 0, 0, NULL, 0, 1, NULL), LK_ERR_NULL_POINTER, "params");
    expect_error("reduction none without losses", EW(mse, NULL, 0, LK_FLOAT64, 6, x, y, NULL, 0, 0, NULL, 0, LK_REDUCTION_NONE, NULL), LK_ERR_NULL_POINTER, "losses");
    expect_error("dtype 2", EW(mse, NULL, 0, 2, 6, x, y, NULL, 0, 0, NULL, 0, 1, NULL), LK_ERR_DTYPE, "dtype");
    expect_error("dtype -1", EW(mse, NULL, 0, -1, 6, x, y, NULL, 0, 0, NULL, 0, 1, NULL), LK_ERR_DTYPE, "dtype");
    expect_error("reduction 3", EW(mse, NULL, 0, LK_FLOAT64, 6, x, y, NULL, 0, 0, NULL, 0, 3, NULL), LK_ERR_INVALID_ARGUMENT, "reduction");
    expect_error("weighting 2", EW(mse, NULL, 0, LK_FLOAT64, 6, x, y, w, 6, 2, NULL, 0, 1, NULL), LK_ERR_INVALID_ARGUMENT, "weighting");
    expect_error("loss id 99", EW(99, NULL, 0, LK_FLOAT64, 6, x, y, NULL, 0, 0, NULL, 0, 1, NULL), LK_ERR_UNKNOWN_LOSS, "id 99");
    expect_error("loss id -1", EW(-1, NULL, 0, LK_FLOAT64, 6, x, y, NULL, 0, 0, NULL, 0, 1, NULL), LK_ERR_UNKNOWN_LOSS, "id -1");
    int32_t ce = -1;
    char ce_mention[32];
    lk_loss_id("cross_entropy", &ce);
    snprintf(ce_mention, sizeof ce_mention, "id %d", ce);
    expect_error("loss id of cross_entropy (not elementwise)", EW(ce, NULL, 0, LK_FLOAT64, 6, x, y, NULL, 0, 0, NULL, 0, 1, NULL), LK_ERR_UNKNOWN_LOSS, ce_mention);
    /* Omitted trailing parameters take their catalogue defaults: huber's delta is 1. */
    double with_default, with_one;
    lk_status s0 = lk_elementwise(huber, NULL, 0, LK_FLOAT64, 6, x, y, NULL, 0, 0, NULL, 0, 1, &with_default, NULL, NULL, NULL);
    lk_status s1 = lk_elementwise(huber, &delta, 1, LK_FLOAT64, 6, x, y, NULL, 0, 0, NULL, 0, 1, &with_one, NULL, NULL, NULL);
    check(s0 == LK_OK && s1 == LK_OK && with_default == with_one,
          "huber with n_params 0 uses delta = 1: %.17g and %.17g", with_default, with_one);
    double two[2] = {1, 1};
    expect_error("huber with n_params 2", EW(huber, two, 2, LK_FLOAT64, 6, x, y, NULL, 0, 0, NULL, 0, 1, NULL), LK_ERR_INVALID_ARGUMENT, "n_params");
    expect_error("mse with n_params 1", EW(mse, &delta, 1, LK_FLOAT64, 6, x, y, NULL, 0, 0, NULL, 0, 1, NULL), LK_ERR_INVALID_ARGUMENT, "n_params");
    /* A wrong count must be refused before params is read: copying 2^40 values would abort. */
    expect_error("huber with n_params 2^40", EW(huber, &delta, (size_t)1 << 40, LK_FLOAT64, 6, x, y, NULL, 0, 0, NULL, 0, 1, NULL), LK_ERR_INVALID_ARGUMENT, "n_params");
    const double bad_deltas[] = {NAN, 0, -1, INFINITY, -0.0};
    for (size_t i = 0; i < sizeof bad_deltas / sizeof bad_deltas[0]; i++) {
        char what[48];
        bad_delta = bad_deltas[i];
        snprintf(what, sizeof what, "huber delta = %g", bad_delta);
        expect_error(what, EW(huber, &bad_delta, 1, LK_FLOAT64, 6, x, y, NULL, 0, 0, NULL, 0, 1, NULL), LK_ERR_INVALID_ARGUMENT, "delta");
    }
    expect_error("n_weight 4 does not divide n 6", EW(mse, NULL, 0, LK_FLOAT64, 6, x, y, w, 4, 0, NULL, 0, 1, NULL), LK_ERR_SHAPE, "weight");
    expect_error("n_weight 0 with a weight array", EW(mse, NULL, 0, LK_FLOAT64, 6, x, y, w, 0, 0, NULL, 0, 1, NULL), LK_ERR_SHAPE, "weight");
    double negative_w[3] = {1, -1, 1}, nan_w[3] = {1, NAN, 1}, negative_col[2] = {1, -0.5};
    expect_error("negative weight", EW(mse, NULL, 0, LK_FLOAT64, 6, x, y, negative_w, 3, 0, NULL, 0, 1, NULL), LK_ERR_INVALID_ARGUMENT, "weight");
    expect_error("NaN weight", EW(mse, NULL, 0, LK_FLOAT64, 6, x, y, nan_w, 3, 0, NULL, 0, 1, NULL), LK_ERR_INVALID_ARGUMENT, "weight");
    expect_error("n_column 4 does not divide n 6", EW(bce, NULL, 0, LK_FLOAT64, 6, x, y, NULL, 0, 0, w, 4, 1, NULL), LK_ERR_SHAPE, "pos_weight");
    expect_error("negative pos_weight", EW(bce, NULL, 0, LK_FLOAT64, 6, x, y, NULL, 0, 0, negative_col, 2, 1, NULL), LK_ERR_INVALID_ARGUMENT, "pos_weight");
    expect_error("n = SIZE_MAX", EW(mse, NULL, 0, LK_FLOAT64, SIZE_MAX, x, y, NULL, 0, 0, NULL, 0, 1, NULL), LK_ERR_SHAPE, "n =");
    expect_error("n = SIZE_MAX / 2", EW(mse, NULL, 0, LK_FLOAT32, SIZE_MAX / 2, x, y, NULL, 0, 0, NULL, 0, 1, NULL), LK_ERR_SHAPE, "n =");
    expect_error("n_weight = SIZE_MAX", EW(mse, NULL, 0, LK_FLOAT64, 6, x, y, w, SIZE_MAX, 0, NULL, 0, 1, NULL), LK_ERR_SHAPE, "n_weight");
    expect_error("n_column = SIZE_MAX", EW(bce, NULL, 0, LK_FLOAT64, 6, x, y, NULL, 0, 0, w, SIZE_MAX, 1, NULL), LK_ERR_SHAPE, "n_column");
    expect_error("n_params = SIZE_MAX", EW(huber, &delta, SIZE_MAX, LK_FLOAT64, 6, x, y, NULL, 0, 0, NULL, 0, 1, NULL), LK_ERR_INVALID_ARGUMENT, "n_params");
#undef EW
    int32_t id = 12345;
    loss_out = SENTINEL;
    expect_error("lk_loss_id with name NULL", lk_loss_id(NULL, &id), LK_ERR_NULL_POINTER, "name");
    expect_error("lk_loss_id with id NULL", lk_loss_id("mse_loss", NULL), LK_ERR_NULL_POINTER, "id");
    expect_error("lk_loss_id of an unknown name", lk_loss_id("mse", &id), LK_ERR_UNKNOWN_LOSS, "'mse'");
    check(id == 12345, "failed lk_loss_id leaves *id untouched");
}

static void test_cross_entropy_errors(void) {
    double z[6] = {0.5, -1, 2, 0, 1, 3}, prob[6] = {1, 0, 0, 0, 1, 0}, cw[3] = {1, 1, 1}, out[6];
    int64_t index[2] = {0, 2}, out_of_range[2] = {0, 3}, negative[2] = {-1, 0};
#define CE(dtype, rows, classes, logits, idx, pr, class_weight, sample_weight, smoothing, reduction, losses) \
    (loss_out = SENTINEL, lk_cross_entropy(dtype, rows, classes, logits, idx, pr, class_weight, sample_weight, -100, \
                                           smoothing, reduction, &loss_out, losses, out, NULL))
    expect_error("class index 3 of 3 classes", CE(LK_FLOAT64, 2, 3, z, out_of_range, NULL, NULL, NULL, 0, 1, NULL), LK_ERR_INDEX, "target[1] = 3");
    expect_error("class index -1", CE(LK_FLOAT64, 2, 3, z, negative, NULL, NULL, NULL, 0, 1, NULL), LK_ERR_INDEX, "target[0] = -1");
    expect_error("both targets", CE(LK_FLOAT64, 2, 3, z, index, prob, NULL, NULL, 0, 1, NULL), LK_ERR_INVALID_ARGUMENT, "target");
    expect_error("neither target", CE(LK_FLOAT64, 2, 3, z, NULL, NULL, NULL, NULL, 0, 1, NULL), LK_ERR_NULL_POINTER, "target");
    expect_error("logits NULL", CE(LK_FLOAT64, 2, 3, NULL, index, NULL, NULL, NULL, 0, 1, NULL), LK_ERR_NULL_POINTER, "logits");
    expect_error("reduction none without losses", CE(LK_FLOAT64, 2, 3, z, index, NULL, NULL, NULL, 0, LK_REDUCTION_NONE, NULL), LK_ERR_NULL_POINTER, "losses");
    const double bad_smoothing[] = {-0.25, 1.5, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad_smoothing / sizeof bad_smoothing[0]; i++) {
        char what[48];
        snprintf(what, sizeof what, "label_smoothing = %g", bad_smoothing[i]);
        expect_error(what, CE(LK_FLOAT64, 2, 3, z, index, NULL, NULL, NULL, bad_smoothing[i], 1, NULL), LK_ERR_INVALID_ARGUMENT, "label_smoothing");
    }
    double negative_cw[3] = {1, -1, 1}, nan_sw[2] = {1, NAN};
    expect_error("negative class weight", CE(LK_FLOAT64, 2, 3, z, index, NULL, negative_cw, NULL, 0, 1, NULL), LK_ERR_INVALID_ARGUMENT, "weight");
    expect_error("NaN sample weight", CE(LK_FLOAT64, 2, 3, z, index, NULL, cw, nan_sw, 0, 1, NULL), LK_ERR_INVALID_ARGUMENT, "sample_weight");
    expect_error("dtype 7", CE(7, 2, 3, z, index, NULL, NULL, NULL, 0, 1, NULL), LK_ERR_DTYPE, "dtype");
    expect_error("reduction -1", CE(LK_FLOAT64, 2, 3, z, index, NULL, NULL, NULL, 0, -1, NULL), LK_ERR_INVALID_ARGUMENT, "reduction");
    expect_error("rows > 0 with 0 classes", CE(LK_FLOAT64, 2, 0, z, index, NULL, NULL, NULL, 0, 1, NULL), LK_ERR_SHAPE, "class");
    expect_error("rows = SIZE_MAX", CE(LK_FLOAT64, SIZE_MAX, 3, z, index, NULL, NULL, NULL, 0, 1, NULL), LK_ERR_SHAPE, "rows");
    expect_error("classes = SIZE_MAX", CE(LK_FLOAT64, 2, SIZE_MAX, z, index, NULL, NULL, NULL, 0, 1, NULL), LK_ERR_SHAPE, "classes");
    expect_error("rows * classes overflows", CE(LK_FLOAT32, SIZE_MAX / 64, 1024, z, index, NULL, NULL, NULL, 0, 1, NULL), LK_ERR_SHAPE, "rows");
#undef CE
}

/* Whether s is well-formed UTF-8 (lead bytes followed by the right number of continuation
 * bytes; overlong forms are not this test's concern). */
static int valid_utf8(const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int follow = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (follow < 0) return 0;
        for (p++; follow > 0; follow--, p++)
            if ((*p & 0xC0) != 0x80) return 0;
    }
    return 1;
}

/* A message longer than the last-error buffer is cut at a character boundary: a name of 1500
 * two-byte characters would otherwise leave half a character at the end. */
static void test_long_error_message(void) {
    static char name[3 * 1024];
    for (int i = 0; i < 1500; i++) memcpy(name + 2 * i, "\xc3\xa9", 2); /* U+00E9 */
    int32_t id;
    lk_status s = lk_loss_id(name, &id);
    const char *message = lk_last_error();
    check(s == LK_ERR_UNKNOWN_LOSS && strlen(message) > 500 && strlen(message) < 1024 && valid_utf8(message),
          "a truncated error message is valid UTF-8 (%zu bytes)", strlen(message));
}

/* ------------------------------------------------------------------------------------------
 * Per-thread last error
 * ---------------------------------------------------------------------------------------- */

static pthread_barrier_t barrier;

typedef struct {
    int kind;             /* 0: bad dtype, 1: unknown loss id, 2: no failing call */
    char before[256];     /* lk_last_error() before this thread's own call */
    char after[256];      /* lk_last_error() after both threads failed */
} thread_report;

static void *thread_body(void *arg) {
    thread_report *r = arg;
    double x = 1, y = 2, loss;
    snprintf(r->before, sizeof r->before, "%s", lk_last_error());
    if (r->kind == 0) lk_elementwise(0, NULL, 0, 9, 1, &x, &y, NULL, 0, 0, NULL, 0, 1, &loss, NULL, NULL, NULL);
    if (r->kind == 1) lk_elementwise(77, NULL, 0, LK_FLOAT64, 1, &x, &y, NULL, 0, 0, NULL, 0, 1, &loss, NULL, NULL, NULL);
    pthread_barrier_wait(&barrier); /* both have failed before either reads */
    snprintf(r->after, sizeof r->after, "%s", lk_last_error());
    return NULL;
}

static void test_thread_local_errors(void) {
    thread_report reports[3] = {{.kind = 0}, {.kind = 1}, {.kind = 2}};
    pthread_t threads[3];
    pthread_barrier_init(&barrier, NULL, 3);
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], NULL, thread_body, &reports[i]);
    for (int i = 0; i < 3; i++) pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&barrier);
    check(reports[0].before[0] == '\0' && reports[1].before[0] == '\0',
          "a new thread starts with an empty lk_last_error() (main thread's errors are not shared)");
    check(strstr(reports[0].after, "dtype") && !strstr(reports[0].after, "77"),
          "thread A sees its own error: \"%s\"", reports[0].after);
    check(strstr(reports[1].after, "77") && !strstr(reports[1].after, "dtype"),
          "thread B sees its own error: \"%s\"", reports[1].after);
    check(reports[2].after[0] == '\0', "a thread that made no failing call still sees \"\": \"%s\"", reports[2].after);
}

/* lk_rowwise: one result against a hand-derived value, and the pointer and size errors the
 * Python shim cannot produce (its error paths are tested in python/tests/test_rowwise_abi.py). */
static void test_rowwise(void) {
    int32_t nll, focal, kl, mse;
    if (lk_loss_id("nll_loss", &nll) != LK_OK || lk_loss_id("softmax_focal_loss", &focal) != LK_OK ||
        lk_loss_id("kl_div", &kl) != LK_OK || lk_loss_id("mse_loss", &mse) != LK_OK) {
        check(0, "lk_loss_id finds the row-wise losses");
        return;
    }
    /* nll of log-probabilities: rows (-0.5, -1, -2) target 1 and (-3, -0.25, -1) target 0, class
     * weights (2, 1, 1): mean = (1*1 + 2*3) / (1 + 2); grad row 0 (0, -1/3, 0), row 1 (-2/3, 0, 0). */
    double z[6] = {-0.5, -1, -2, -3, -0.25, -1}, w[3] = {2, 1, 1}, g[6], h[6], losses[6], gamma = 2;
    int64_t y[2] = {1, 0};
    lk_status s = lk_rowwise(nll, NULL, 0, LK_FLOAT64, 2, 3, z, y, 2, NULL, w, NULL, -100, LK_REDUCTION_MEAN,
                             &loss_out, NULL, 0, g, h);
    check(s == LK_OK && close_to(loss_out, 7.0 / 3, 1e-15, 0) && close_to(g[1], -1.0 / 3, 1e-15, 0) &&
          close_to(g[3], -2.0 / 3, 1e-15, 0) && g[0] == 0 && h[1] == 0,
          "lk_rowwise nll_loss with class weights: %s, loss %.17g (expected 7/3)", lk_status_name(s), loss_out);
#define RW(loss, params, n_params, rows, classes, input, index, n_index, values, reduction, losses, n_losses) \
    (loss_out = SENTINEL, lk_rowwise(loss, params, n_params, LK_FLOAT64, rows, classes, input, index, n_index, values, \
                                     NULL, NULL, -100, reduction, &loss_out, losses, n_losses, g, NULL))
    expect_error("rowwise input NULL", RW(nll, NULL, 0, 2, 3, NULL, y, 2, NULL, 1, NULL, 0), LK_ERR_NULL_POINTER, "input");
    expect_error("rowwise target NULL", RW(nll, NULL, 0, 2, 3, z, NULL, 0, NULL, 1, NULL, 0), LK_ERR_NULL_POINTER, "target");
    expect_error("rowwise params NULL with n_params 1", RW(focal, NULL, 1, 2, 3, z, y, 2, NULL, 1, NULL, 0),
                 LK_ERR_NULL_POINTER, "params");
    expect_error("rowwise n_params SIZE_MAX", RW(focal, &gamma, SIZE_MAX, 2, 3, z, y, 2, NULL, 1, NULL, 0),
                 LK_ERR_INVALID_ARGUMENT, "n_params");
    expect_error("rowwise id of mse_loss", RW(mse, NULL, 0, 2, 3, z, y, 2, NULL, 1, NULL, 0), LK_ERR_UNKNOWN_LOSS, "row-wise");
    expect_error("rowwise rows SIZE_MAX", RW(nll, NULL, 0, SIZE_MAX, 3, z, y, 2, NULL, 1, NULL, 0), LK_ERR_SHAPE, "rows");
    expect_error("rowwise n_target_index 1", RW(nll, NULL, 0, 2, 3, z, y, 1, NULL, 1, NULL, 0), LK_ERR_SHAPE, "n_target_index");
    expect_error("rowwise none without losses", RW(nll, NULL, 0, 2, 3, z, y, 2, NULL, 0, NULL, 0), LK_ERR_NULL_POINTER, "losses");
    expect_error("rowwise kl_div with n_params 0", RW(kl, NULL, 0, 2, 3, z, NULL, 0, z, 0, losses, 2),
                 LK_ERR_INVALID_ARGUMENT, "parameter");
    double no_log_target = 0, t[6] = {0.5, 0.5, 0, 0, 1, 0};
    expect_error("rowwise kl_div none with n_losses = rows", RW(kl, &no_log_target, 1, 2, 3, z, NULL, 0, t, 0, losses, 2),
                 LK_ERR_SHAPE, "n_losses");
    expect_error("rowwise reduction 4", RW(nll, NULL, 0, 2, 3, z, y, 2, NULL, 4, NULL, 0), LK_ERR_INVALID_ARGUMENT, "reduction");
#undef RW
}

/* lk_hybrid: cross_entropy + 0.5 * softmax_focal_loss against the two losses called alone
 * (summed in double), in both dtypes and every reduction; then the errors a C caller can make. */
static void test_hybrid(void) {
    int32_t ce, focal, mse, nll, kl, triplet;
    if (lk_loss_id("cross_entropy", &ce) != LK_OK || lk_loss_id("softmax_focal_loss", &focal) != LK_OK ||
        lk_loss_id("mse_loss", &mse) != LK_OK || lk_loss_id("nll_loss", &nll) != LK_OK ||
        lk_loss_id("kl_div", &kl) != LK_OK || lk_loss_id("triplet_margin_loss", &triplet) != LK_OK) {
        check(0, "lk_loss_id finds the hybrid test losses");
        return;
    }
    enum { R = 4, C = 5, N = R * C };
    double zd[N], sw[R] = {1, 0.5, 2, 0};
    for (int i = 0; i < N; i++) zd[i] = sin(1.7 * i) * 3;
    int64_t y[R] = {0, 4, -100, 2};
    const int32_t ids[2] = {ce, focal};
    const double weights[2] = {1.0, 0.5}, params[2] = {0.1, 1.5};
    const size_t n_params[2] = {1, 1};
    for (int d = 0; d < 2; d++) {
        lk_dtype dtype = d ? LK_FLOAT64 : LK_FLOAT32;
        void *z = typed_copy(dtype, zd, N), *w = typed_copy(dtype, sw, R);
        for (lk_reduction r = LK_REDUCTION_NONE; r <= LK_REDUCTION_SUM; r++) {
            void *g = typed_output(dtype, N), *h = typed_output(dtype, N), *losses = typed_output(dtype, R);
            void *part_losses = typed_output(dtype, 2 * R);
            void *g1 = typed_output(dtype, N), *h1 = typed_output(dtype, N), *l1 = typed_output(dtype, R);
            void *g2 = typed_output(dtype, N), *h2 = typed_output(dtype, N), *l2 = typed_output(dtype, R);
            double total = SENTINEL, parts[2] = {SENTINEL, SENTINEL}, a = SENTINEL, b = SENTINEL;
            lk_status s = lk_hybrid(2, ids, weights, params, n_params, dtype, R, C, z, y, R, NULL, w, -100, r,
                                    &total, parts, losses, R, part_losses, g, h);
            lk_status s1 = lk_cross_entropy(dtype, R, C, z, y, NULL, NULL, w, -100, 0.1, r, &a, l1, g1, h1);
            lk_status s2 = lk_rowwise(focal, &params[1], 1, dtype, R, C, z, y, R, NULL, NULL, w, -100, r, &b,
                                      l2, R, g2, h2);
            double expected_g[N], expected_h[N], expected_l[R], expected_parts[2 * R];
            for (int i = 0; i < N; i++) {
                expected_g[i] = typed_get(dtype, g1, i) + 0.5 * typed_get(dtype, g2, i);
                expected_h[i] = typed_get(dtype, h1, i) + 0.5 * typed_get(dtype, h2, i);
            }
            for (int i = 0; i < R; i++) {
                expected_l[i] = typed_get(dtype, l1, i) + 0.5 * typed_get(dtype, l2, i);
                expected_parts[i] = typed_get(dtype, l1, i);
                expected_parts[R + i] = typed_get(dtype, l2, i);
            }
            int losses_ok = r != LK_REDUCTION_NONE ||
                (first_mismatch(dtype, losses, expected_l, R) < 0 && first_mismatch(dtype, part_losses, expected_parts, 2 * R) < 0);
            check(s == LK_OK && s1 == LK_OK && s2 == LK_OK && parts[0] == a && parts[1] == b &&
                  close_to(total, a + 0.5 * b, 1e-15, 0) && first_mismatch(dtype, g, expected_g, N) < 0 &&
                  first_mismatch(dtype, h, expected_h, N) < 0 && losses_ok && guard_intact(dtype, g, N) &&
                  guard_intact(dtype, h, N) && guard_intact(dtype, part_losses, 2 * R),
                  "lk_hybrid cross_entropy + 0.5 focal %s %s: %s, total %.17g (expected %.17g)",
                  dtype_name(dtype), reduction_name(r), lk_status_name(s), total, a + 0.5 * b);
            free(g); free(h); free(losses); free(part_losses); free(g1); free(h1); free(l1); free(g2); free(h2); free(l2);
        }
        free(z); free(w);
    }

    double g[N], losses[N];
    const int32_t mixed[2] = {ce, mse}, lists[2] = {nll, kl}, embedding[1] = {triplet}, unknown[1] = {-1};
    const double nan_weight[2] = {1, NAN};
    const size_t too_many[2] = {2, 1};
#define HY(n, ids_, weights_, params_, n_params_, index, n_index, values, reduction, losses_, n_losses) \
    (loss_out = SENTINEL, lk_hybrid(n, ids_, weights_, params_, n_params_, LK_FLOAT64, R, C, zd, index, n_index, values, \
                                    NULL, -100, reduction, &loss_out, NULL, losses_, n_losses, NULL, g, NULL))
    expect_error("hybrid n_parts 0", HY(0, ids, weights, params, n_params, y, R, NULL, 1, NULL, 0), LK_ERR_INVALID_ARGUMENT, "n_parts");
    expect_error("hybrid n_parts SIZE_MAX", HY(SIZE_MAX, ids, weights, params, n_params, y, R, NULL, 1, NULL, 0),
                 LK_ERR_INVALID_ARGUMENT, "n_parts");
    expect_error("hybrid part_loss NULL", HY(2, NULL, weights, params, n_params, y, R, NULL, 1, NULL, 0), LK_ERR_NULL_POINTER, "part_loss");
    expect_error("hybrid part_weight NULL", HY(2, ids, NULL, params, n_params, y, R, NULL, 1, NULL, 0), LK_ERR_NULL_POINTER, "part_weight");
    expect_error("hybrid params NULL", HY(2, ids, weights, NULL, n_params, y, R, NULL, 1, NULL, 0), LK_ERR_NULL_POINTER, "params");
    expect_error("hybrid n_params too many", HY(2, ids, weights, params, too_many, y, R, NULL, 1, NULL, 0),
                 LK_ERR_INVALID_ARGUMENT, "n_params[0]");
    expect_error("hybrid NaN weight", HY(2, ids, nan_weight, params, n_params, y, R, NULL, 1, NULL, 0),
                 LK_ERR_INVALID_ARGUMENT, "part 1");
    expect_error("hybrid unknown id", HY(1, unknown, weights, NULL, NULL, y, R, NULL, 1, NULL, 0), LK_ERR_UNKNOWN_LOSS, "id -1");
    expect_error("hybrid embedding part", HY(1, embedding, weights, NULL, NULL, y, R, NULL, 1, NULL, 0),
                 LK_ERR_INVALID_ARGUMENT, "cannot be part of a hybrid loss");
    expect_error("hybrid elementwise with row-wise", HY(2, mixed, weights, params, NULL, y, R, NULL, 1, NULL, 0),
                 LK_ERR_INVALID_ARGUMENT, "incompatible parts");
    expect_error("hybrid class index with values", HY(2, lists, weights, NULL, NULL, y, R, NULL, 1, NULL, 0),
                 LK_ERR_INVALID_ARGUMENT, "incompatible parts");
    expect_error("hybrid n_target_index", HY(2, ids, weights, params, n_params, y, R - 1, NULL, 1, NULL, 0),
                 LK_ERR_SHAPE, "n_target_index");
    expect_error("hybrid none without losses", HY(2, ids, weights, params, n_params, y, R, NULL, 0, NULL, 0),
                 LK_ERR_NULL_POINTER, "losses");
    expect_error("hybrid none with n_losses wrong", HY(2, ids, weights, params, n_params, y, R, NULL, 0, losses, N),
                 LK_ERR_SHAPE, "n_losses");
    expect_error("hybrid batchmean with cross_entropy", HY(2, ids, weights, params, n_params, y, R, NULL, 3, NULL, 0),
                 LK_ERR_INVALID_ARGUMENT, "part 0 (cross_entropy)");
    expect_error("hybrid bad dtype", (loss_out = SENTINEL, lk_hybrid(2, ids, weights, params, n_params, 7, R, C, zd, y, R,
                 NULL, NULL, -100, 1, &loss_out, NULL, NULL, 0, NULL, NULL, NULL)), LK_ERR_DTYPE, "dtype");
#undef HY
}

/* lk_elementwise_param_grad with fewer parameters than the loss has (the rest at their
 * defaults) writes exactly n_params derivatives: adaptive_robust_loss with alpha only gets
 * d(loss)/d(alpha), equal to a central difference of the loss in alpha, and nothing past it. */
static void test_param_grad_with_fewer_params(void) {
    int32_t id;
    if (lk_loss_id("adaptive_robust_loss", &id) != LK_OK) { check(0, "adaptive_robust_loss exists"); return; }
    const double x[5] = {-2, -0.5, 0.25, 1, 3}, y[5] = {0, 0, 0, 0.5, -1};
    const double alpha = 1.5, h = 1e-6;
    double *param_grad = typed_output(LK_FLOAT64, 1), loss, up, down;
    lk_status s = lk_elementwise_param_grad(id, &alpha, 1, LK_FLOAT64, 5, x, y, NULL, 0, LK_WEIGHTING_NORMALIZED,
                                            NULL, 0, LK_REDUCTION_SUM, &loss, NULL, NULL, NULL, param_grad, NULL);
    const double a_up = alpha + h, a_down = alpha - h;
    lk_elementwise(id, &a_up, 1, LK_FLOAT64, 5, x, y, NULL, 0, 0, NULL, 0, LK_REDUCTION_SUM, &up, NULL, NULL, NULL);
    lk_elementwise(id, &a_down, 1, LK_FLOAT64, 5, x, y, NULL, 0, 0, NULL, 0, LK_REDUCTION_SUM, &down, NULL, NULL, NULL);
    check(s == LK_OK && close_to(param_grad[0], (up - down) / (2 * h), 1e-6, 1e-9),
          "param_grad with n_params 1: %.9g, central difference %.9g", param_grad[0], (up - down) / (2 * h));
    check(guard_intact(LK_FLOAT64, param_grad, 1), "param_grad with n_params 1: nothing written past it");
    free(param_grad);
}

/* loss_out is optional in every driver: without it the outputs must still be written, the same
 * as with it (reduction none: the losses; every reduction: the gradient). Each driver runs
 * twice on the same small problem, outputs prefilled with a sentinel. */
#define N_OUT 18 /* the largest output below: CTC's 3 frames x 2 sequences x 3 classes */
static int same_outputs(const double *a, const double *b, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] != b[i] || a[i] == SENTINEL) return 0;
    return 1;
}

static void fill(double *a, int n) { for (int i = 0; i < n; i++) a[i] = SENTINEL; }

static void test_every_driver_computes_without_loss_out(void) {
    int32_t focal, triplet, dice;
    if (lk_loss_id("softmax_focal_loss", &focal) != LK_OK || lk_loss_id("triplet_margin_loss", &triplet) != LK_OK ||
        lk_loss_id("dice_loss", &dice) != LK_OK) {
        check(0, "lk_loss_id finds softmax_focal_loss, triplet_margin_loss and dice_loss");
        return;
    }
    /* 2 rows of 3 classes (also 2 sequences of 3 frames, 2 images of 3 classes x 1 pixel,
     * 2 embeddings of 3 values). */
    double z[6] = {0.5, -1, 2, 1, 0.25, -0.5}, lp[18], e2[6] = {1, 0, 0.5, -1, 2, 0}, e3[6] = {0, 1, 1, 2, -1, 0.5};
    for (int i = 0; i < 18; i++) lp[i] = -1.0986 - 0.01 * (i % 3);
    int64_t y[2] = {2, 0}, labels[2] = {0, 0}, targets[2] = {1, 2}, lengths[2] = {3, 3}, target_lengths[2] = {1, 1};
    double gamma = 2, margin[3] = {1, 2, 1e-6}, dice_params[3] = {1, 1, 0}, losses[2][N_OUT], grad[2][N_OUT], loss = 0;
    const char *names[] = {"lk_cross_entropy", "lk_rowwise", "lk_hybrid", "lk_embedding", "lk_ntxent", "lk_ctc",
                           "lk_overlap"};
    for (int driver = 0; driver < 7; driver++)
        for (lk_reduction r = LK_REDUCTION_NONE; r <= LK_REDUCTION_SUM; r++) {
            lk_status status[2];
            for (int with = 0; with < 2; with++) {
                double *out = with ? &loss : NULL, *l = losses[with], *g = grad[with];
                void *lo = r == LK_REDUCTION_NONE ? l : NULL;
                fill(l, N_OUT);
                fill(g, N_OUT);
                size_t n_params[1] = {1};
                double weight[1] = {1};
                switch (driver) {
                case 0: status[with] = lk_cross_entropy(LK_FLOAT64, 2, 3, z, y, NULL, NULL, NULL, -100, 0, r, out, lo, g, NULL); break;
                case 1: status[with] = lk_rowwise(focal, &gamma, 1, LK_FLOAT64, 2, 3, z, y, 2, NULL, NULL, NULL, -100, r, out, lo, lo ? 2 : 0, g, NULL); break;
                case 2: status[with] = lk_hybrid(1, &focal, weight, &gamma, n_params, LK_FLOAT64, 2, 3, z, y, 2, NULL, NULL, -100, r, out, NULL, lo, lo ? 2 : 0, NULL, g, NULL); break;
                case 3: status[with] = lk_embedding(triplet, margin, 3, 0, LK_FLOAT64, 2, 3, z, e2, e3, NULL, NULL, r, out, lo, g, NULL, NULL); break;
                case 4: status[with] = lk_ntxent(LK_FLOAT64, 2, 3, z, labels, 0.5, r, out, lo, g); break;
                case 5: status[with] = lk_ctc(LK_FLOAT64, 3, 2, 3, lp, targets, 2, 1, lengths, target_lengths, 0, 0, NULL, r, out, lo, g); break;
                default: status[with] = lk_overlap(dice, dice_params, 3, LK_FLOAT64, 2, 3, 1, z, y, NULL, NULL, NULL, r, out, lo, g, NULL); break;
                }
            }
            int n_grad = driver == 5 ? 18 : 6;
            check(status[0] == LK_OK && status[1] == LK_OK && same_outputs(grad[0], grad[1], n_grad) &&
                      (r != LK_REDUCTION_NONE || same_outputs(losses[0], losses[1], 2)),
                  "%s reduction=%s with loss_out NULL writes the same outputs as with it (%s, %s)", names[driver],
                  reduction_name(r), lk_status_name(status[0]), lk_status_name(status[1]));
        }
}

int main(void) {
    test_version();
    test_status_names();
    test_catalogue();
    test_elementwise_results();
    test_elementwise_edges();
    test_cross_entropy_results();
    test_cross_entropy_edges();
    test_elementwise_errors();
    test_cross_entropy_errors();
    test_rowwise();
    test_hybrid();
    test_param_grad_with_fewer_params();
    test_long_error_message();
    test_thread_local_errors();
    test_every_driver_computes_without_loss_out();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
