/* Huber loss with gradient and Hessian through the C ABI, then an error status.
 * Build and run, with LossKit installed: cc quickstart.c $(python -m losskit config --cflags --libs) && ./a.out */
#include <stdio.h>
#include "losskit.h"

int main(void) {
    const double input[3] = {0.5, 3.0, -2.0}, target[3] = {0.0, 0.0, 0.0};
    double grad[3], hess[3], loss, delta = 1.0;
    int32_t huber;
    if (lk_loss_id("huber_loss", &huber) != LK_OK) return 1;

    lk_status s = lk_elementwise(huber, &delta, 1, LK_FLOAT64, 3, input, target, NULL, 0,
                                 LK_WEIGHTING_NORMALIZED, NULL, 0, LK_REDUCTION_MEAN,
                                 &loss, NULL, grad, hess);
    if (s != LK_OK) return 1;
    printf("loss %.6f grad %.6f %.6f %.6f hess %g %g %g\n", loss, grad[0], grad[1], grad[2],
           hess[0], hess[1], hess[2]);

    delta = -1.0; /* invalid: the call reports it instead of computing */
    s = lk_elementwise(huber, &delta, 1, LK_FLOAT64, 3, input, target, NULL, 0,
                       LK_WEIGHTING_NORMALIZED, NULL, 0, LK_REDUCTION_MEAN, &loss, NULL, NULL, NULL);
    printf("%s: %s\n", lk_status_name(s), lk_last_error());
    return s == LK_ERR_INVALID_ARGUMENT ? 0 : 1;
}
