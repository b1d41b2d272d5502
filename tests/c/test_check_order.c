/*
 * test_check_order.c: the status a call returns is the one losskit.h documents when more than
 * one thing is wrong, and the documented limits on `dim` hold (issue 18, item 6).
 *
 * - lk_hybrid checks dtype and reduction first: a bad dtype is LK_ERR_DTYPE even when the parts
 *   are also incompatible or a length is wrong.
 * - lk_embedding takes dim = 1 only for margin_ranking_loss and hinge_embedding_loss
 *   (LK_ERR_SHAPE otherwise); with dim 1 their values follow the header's formulas.
 *
 * Prints one line per check and a last line "N passed, M failed"; exits 1 if any check failed.
 * Build: cc -std=c11 -I include tests/c/test_check_order.c -L <dir> -llosskit -Wl,-rpath,<dir> -lm
 */
#include "losskit.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>


#define SENTINEL (-12345.5)

/* Every call writes its loss here; set to SENTINEL before each call that must fail. */
static double loss;

static int32_t id_of(const char *name) {
    int32_t id = -1;
    lk_loss_id(name, &id);
    return id;
}

static void expect(const char *what, lk_status status, lk_status want, const char *mention) {
    const char *message = lk_last_error();
    check(status == want && strstr(message, mention) && loss == SENTINEL,
          "%s: %s (want %s), \"%s\" (must mention \"%s\")%s", what, lk_status_name(status), lk_status_name(want),
          message, mention, loss == SENTINEL ? "" : ", loss_out WRITTEN");
}

static void test_hybrid_order(void) {
    double x[6] = {0.5, -1, 2, 0, 1, -0.5}, y[6] = {1, 0, 2, 0.5, -1, 0};
    int64_t index[2] = {0, 2};
    int32_t mixed[2] = {id_of("mse_loss"), id_of("nll_loss")}, plain[1] = {id_of("mse_loss")};
    double weights[2] = {1, 1};
#define HYBRID(parts, n_parts, dtype, target_index, n_target_index, values, reduction) \
    (loss = SENTINEL, lk_hybrid(n_parts, parts, weights, NULL, NULL, dtype, 2, 3, x, target_index, n_target_index, \
                                values, NULL, -100, reduction, &loss, NULL, NULL, 0, NULL, NULL, NULL))
    expect("lk_hybrid, bad dtype and incompatible parts", HYBRID(mixed, 2, 7, index, 2, NULL, LK_REDUCTION_MEAN),
           LK_ERR_DTYPE, "dtype");
    expect("lk_hybrid, bad dtype and a wrong n_target_index", HYBRID(mixed, 2, 7, index, 5, NULL, LK_REDUCTION_MEAN),
           LK_ERR_DTYPE, "dtype");
    expect("lk_hybrid, bad dtype and class indices for an elementwise part",
           HYBRID(plain, 1, -1, index, 2, y, LK_REDUCTION_MEAN), LK_ERR_DTYPE, "dtype");
    expect("lk_hybrid, bad reduction and incompatible parts", HYBRID(mixed, 2, LK_FLOAT64, index, 2, NULL, 9),
           LK_ERR_INVALID_ARGUMENT, "reduction");
    expect("lk_hybrid, incompatible parts (dtype fine)", HYBRID(mixed, 2, LK_FLOAT64, index, 2, NULL, LK_REDUCTION_MEAN),
           LK_ERR_INVALID_ARGUMENT, "incompatible parts");
    lk_status s = HYBRID(plain, 1, LK_FLOAT64, NULL, 0, y, LK_REDUCTION_SUM);
    double expected = 0;
    for (int i = 0; i < 6; i++) expected += (x[i] - y[i]) * (x[i] - y[i]);
    check(s == LK_OK && fabs(loss - expected) <= 1e-12 * expected, "lk_hybrid mse sum = %g (want %g)", loss, expected);
#undef HYBRID
}

static void test_scalar_embedding_dim(void) {
    double x1[6] = {0.5, -1, 2, 0, 1, -0.5}, x2[6] = {1, 0, 2, 0.5, -1, 0}, t[3] = {1, -1, 1}, margin = 0.25;
    double grad[6];
    int32_t ranking = id_of("margin_ranking_loss"), hinge = id_of("hinge_embedding_loss");
    loss = SENTINEL;
    expect("margin_ranking_loss with dim 2",
           lk_embedding(ranking, &margin, 1, 0, LK_FLOAT64, 3, 2, x1, x2, NULL, t, NULL, LK_REDUCTION_MEAN, &loss,
                        NULL, grad, NULL, NULL),
           LK_ERR_SHAPE, "dim");
    loss = SENTINEL;
    expect("hinge_embedding_loss with dim 3",
           lk_embedding(hinge, &margin, 1, 0, LK_FLOAT32, 2, 3, x1, NULL, NULL, t, NULL, LK_REDUCTION_SUM, &loss,
                        NULL, NULL, NULL, NULL),
           LK_ERR_SHAPE, "dim");
    /* dim 1, six scores: the header's max(0, -y (x1 - x2) + margin) and (x if y = 1, else
     * max(0, margin - x)), averaged. */
    double y6[6] = {1, -1, 1, -1, -1, 1}, want_rank = 0, want_hinge = 0;
    for (int i = 0; i < 6; i++) {
        want_rank += fmax(0, -y6[i] * (x1[i] - x2[i]) + margin) / 6;
        want_hinge += (y6[i] > 0 ? x1[i] : fmax(0, margin - x1[i])) / 6;
    }
    lk_status s = lk_embedding(ranking, &margin, 1, 0, LK_FLOAT64, 6, 1, x1, x2, NULL, y6, NULL, LK_REDUCTION_MEAN,
                               &loss, NULL, NULL, NULL, NULL);
    check(s == LK_OK && fabs(loss - want_rank) <= 1e-12, "margin_ranking_loss, dim 1: %g (want %g)", loss, want_rank);
    s = lk_embedding(hinge, &margin, 1, 0, LK_FLOAT64, 6, 1, x1, NULL, NULL, y6, NULL, LK_REDUCTION_MEAN, &loss,
                     NULL, NULL, NULL, NULL);
    check(s == LK_OK && fabs(loss - want_hinge) <= 1e-12, "hinge_embedding_loss, dim 1: %g (want %g)", loss, want_hinge);
}

int main(void) {
    test_hybrid_order();
    test_scalar_embedding_dim();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
