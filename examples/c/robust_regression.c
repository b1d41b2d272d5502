/* Robust linear regression through the C ABI: fit y = a*t + b by gradient descent on the mean
 * Huber loss, whose gradient with respect to the predictions comes from lk_elementwise, and
 * compare with the same loop on the squared error (mse_loss). One point in ten is a gross
 * outlier; Huber bounds each point's pull at delta, squared error does not.
 *
 * Every call's status is checked: on an error the program prints lk_status_name and
 * lk_last_error. At the end it makes a call with a negative sample weight on purpose, to show
 * the library refusing it instead of computing.
 *
 * Build: cc robust_regression.c -I include -L <dir of liblosskit.so> -llosskit -lm \
 *           -Wl,-rpath,<that dir> */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "losskit.h"

#define N 200
#define STEPS 3000
#define RATE 0.5

/* Exits with the library's explanation if `status` is an error. */
static void check(lk_status status, const char *what) {
    if (status != LK_OK) {
        fprintf(stderr, "%s failed: %s: %s\n", what, lk_status_name(status), lk_last_error());
        exit(1);
    }
}

/* Gradient descent on a and b. params/n_params are the loss's parameters in catalogue order.
 * Returns the final mean loss. */
static double fit(int32_t loss, const double *params, size_t n_params, const double *t, const double *y,
                  double *a, double *b) {
    double prediction[N], grad[N], value = 0.0;
    *a = 0.0;
    *b = 0.0;
    for (int step = 0; step <= STEPS; step++) {
        for (int i = 0; i < N; i++) prediction[i] = *a * t[i] + *b;
        /* grad[i] = d(mean loss)/d(prediction[i]); the chain rule gives the parameters'. */
        check(lk_elementwise(loss, params, n_params, LK_FLOAT64, N, prediction, y, NULL, 0,
                             LK_WEIGHTING_NORMALIZED, NULL, 0, LK_REDUCTION_MEAN, &value, NULL, grad, NULL),
              "lk_elementwise");
        if (step == STEPS) break;
        double da = 0.0, db = 0.0;
        for (int i = 0; i < N; i++) {
            da += grad[i] * t[i];
            db += grad[i];
        }
        *a -= RATE * da;
        *b -= RATE * db;
    }
    return value;
}

int main(void) {
    /* y = 2t - 1 plus small noise on a grid of t in [-2, 2]; every tenth y is off by +15. */
    double t[N], y[N];
    for (int i = 0; i < N; i++) {
        t[i] = -2.0 + 4.0 * i / (N - 1);
        y[i] = 2.0 * t[i] - 1.0 + 0.1 * sin(12.9898 * i) + (i % 10 == 3 ? 15.0 : 0.0);
    }

    int32_t huber, mse;
    check(lk_loss_id("huber_loss", &huber), "lk_loss_id(huber_loss)");
    check(lk_loss_id("mse_loss", &mse), "lk_loss_id(mse_loss)");

    const double delta = 1.0;
    double a, b;
    double loss = fit(huber, &delta, 1, t, y, &a, &b);
    printf("huber_loss: a %.6f b %.6f loss %.9f\n", a, b, loss);
    loss = fit(mse, NULL, 0, t, y, &a, &b);
    printf("mse_loss:   a %.6f b %.6f loss %.9f\n", a, b, loss);

    /* An invalid call: a negative sample weight. */
    double weight[N], value;
    for (int i = 0; i < N; i++) weight[i] = 1.0;
    weight[7] = -1.0;
    lk_status status = lk_elementwise(huber, &delta, 1, LK_FLOAT64, N, t, y, weight, N, LK_WEIGHTING_NORMALIZED,
                                      NULL, 0, LK_REDUCTION_MEAN, &value, NULL, NULL, NULL);
    printf("refused: %s: %s\n", lk_status_name(status), lk_last_error());
    return status == LK_ERR_INVALID_ARGUMENT ? 0 : 1;
}
