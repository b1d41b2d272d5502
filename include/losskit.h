/*
 * losskit.h: the C ABI of LossKit (liblosskit.so).
 *
 * LossKit computes machine-learning losses together with their gradient and the diagonal of
 * their Hessian with respect to the input, in one fused pass over memory, for float32 and
 * float64 arrays.
 *
 * Conventions shared by every function:
 *  - Arrays are contiguous, in C (row-major) order, of the element type given by `dtype`
 *    (LK_FLOAT32 or LK_FLOAT64) unless a parameter says otherwise. They are borrowed for the
 *    duration of the call and never retained. Output arrays must not overlap input arrays.
 *  - Every function validates its arguments before touching memory and reports problems as a
 *    status code; it never aborts the process. On failure nothing is written to the outputs
 *    except possibly partial results, and lk_last_error() describes the problem, naming the
 *    argument.
 *  - Reduced losses are accumulated in double precision in fixed blocks, so results are
 *    deterministic.
 *  - Functions are thread-safe: they keep no state except the per-thread last error.
 */
#ifndef LOSSKIT_H
#define LOSSKIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define LK_API __declspec(dllimport)
#else
#define LK_API __attribute__((visibility("default")))
#endif

/* ---------------------------------------------------------------------------------------------
 * Version
 * ------------------------------------------------------------------------------------------- */

#define LK_VERSION_MAJOR 0
#define LK_VERSION_MINOR 1
#define LK_VERSION_PATCH 0
/* The version as one number, MAJOR * 10000 + MINOR * 100 + PATCH. */
#define LK_VERSION_NUMBER (LK_VERSION_MAJOR * 10000 + LK_VERSION_MINOR * 100 + LK_VERSION_PATCH)

/* @return the library's version as "MAJOR.MINOR.PATCH"; a static string, never free it. */
LK_API const char *lk_version(void);

/* @return the library's LK_VERSION_NUMBER, to compare with the header a program was built with. */
LK_API int32_t lk_version_number(void);

/* @return a JSON object describing this copy of the library: {"version", "isa" (the instruction
 *         set it was compiled for: "x86-64", "x86-64-v3" or "x86-64-v4"), "cpu_best_isa" (the
 *         best of those this CPU supports)}. Static, never free it. */
LK_API const char *lk_build_info(void);

/* ---------------------------------------------------------------------------------------------
 * Status codes and errors
 * ------------------------------------------------------------------------------------------- */

/* Result of every computing function. Codes are stable: numbers never change meaning. */
typedef int32_t lk_status;
enum {
    LK_OK = 0,                    /* success */
    LK_ERR_INVALID_ARGUMENT = 1,  /* a parameter or option is out of range (delta <= 0, NaN, ...) */
    LK_ERR_SHAPE = 2,             /* array lengths or shapes do not agree */
    LK_ERR_DTYPE = 3,             /* unsupported element type */
    LK_ERR_INDEX = 4,             /* a class index outside [0, classes) that is not ignore_index */
    LK_ERR_NULL_POINTER = 5,      /* a required pointer is NULL */
    LK_ERR_UNKNOWN_LOSS = 6,      /* no loss with that id or name */
    LK_ERR_INTERNAL = 7,          /* a bug in LossKit */
    LK_ERR_OUT_OF_MEMORY = 8      /* scratch memory could not be allocated (or its size overflows);
                                     the message names what and how many bytes; no output written */
};

/* Memory: lk_elementwise, lk_cross_entropy, lk_rowwise and lk_embedding need no memory beyond
 * their arguments. lk_ctc, lk_ntxent, lk_overlap and lk_hybrid allocate scratch (documented at
 * each function) before writing any output; when it cannot be allocated, or its size in bytes
 * overflows, they return LK_ERR_OUT_OF_MEMORY with a message naming what and how many bytes,
 * and write nothing. */

/* @return the status's name, e.g. "LK_ERR_SHAPE" ("LK_UNKNOWN_STATUS" for an unknown code);
 *         a static string, never free it. */
LK_API const char *lk_status_name(lk_status status);

/* @return the message of the last failed call on this thread ("" if none has failed); valid
 *         until the next LossKit call on this thread; owned by the library. */
LK_API const char *lk_last_error(void);

/* ---------------------------------------------------------------------------------------------
 * Types and options
 * ------------------------------------------------------------------------------------------- */

/* Element type of the arrays. */
typedef int32_t lk_dtype;
enum { LK_FLOAT32 = 0, LK_FLOAT64 = 1 };

/* How per-element (or per-row) losses become the result.
 * LK_REDUCTION_MEAN is the weighted mean sum(w*l)/sum(w); over an empty set (no elements, all
 * weights 0, every target ignored) it is 0 with zero gradient and Hessian, not NaN.
 * LK_REDUCTION_BATCHMEAN (lk_rowwise, and lk_hybrid with row-wise parts) is sum(s*l)/sum(s) over rows, for every row-wise
 * loss (PyTorch's kl_div 'batchmean'). */
typedef int32_t lk_reduction;
enum { LK_REDUCTION_NONE = 0, LK_REDUCTION_MEAN = 1, LK_REDUCTION_SUM = 2, LK_REDUCTION_BATCHMEAN = 3 };

/* How element weights enter the denominator of LK_REDUCTION_MEAN.
 * LK_WEIGHTING_NORMALIZED: sum(w*l) / sum(w)    (sample weights)
 * LK_WEIGHTING_RESCALE:    sum(w*l) / n         (PyTorch's BCE `weight`) */
typedef int32_t lk_weighting;
enum { LK_WEIGHTING_NORMALIZED = 0, LK_WEIGHTING_RESCALE = 1 };

/* ---------------------------------------------------------------------------------------------
 * Threads
 * ------------------------------------------------------------------------------------------- */

/* Sets how many threads large calls may use, for the whole process. Work is split into blocks
 * whose size does not depend on the thread count and block sums are combined in a fixed
 * order, so results are bitwise identical for any setting. Calls too small to gain from
 * threads always run on the calling thread.
 * @param n  the thread count (at most 1024 are used); 0 restores the default, which is
 *           LOSSKIT_NUM_THREADS if set to a positive integer, else the CPUs the process may use.
 * @return LK_OK, or LK_ERR_INVALID_ARGUMENT if n < 0. */
LK_API lk_status lk_set_num_threads(int32_t n);

/* @return the thread count large calls use now. */
LK_API int32_t lk_get_num_threads(void);

/* ---------------------------------------------------------------------------------------------
 * Catalogue
 * ------------------------------------------------------------------------------------------- */

/* @return the catalogue of losses as a JSON document (UTF-8, NUL-terminated):
 *         {"version": "...", "losses": [{"id", "name", "kind" ("elementwise",
 *         "cross_entropy", "rowwise", "embedding", "similarity_matrix", "sequence" or
 *         "overlap"),
 *         "parameters": [{"name", "default", "lower", "lower_inclusive", "upper", "upper_inclusive", "flag"}], "column_parameter",
 *         "input_domain", "target_domain", "parameter_grad" (true if
 *         lk_elementwise_param_grad can differentiate with respect to the parameters and
 *         column), "row_target", "class_weight", "formula", "derivatives"}]}. A parameter with
 *         "flag": true is a boolean option: pass exactly 0.0 (false) or 1.0 (true). For
 *         "rowwise" entries, "row_target" says what lk_rowwise takes as target
 *         ("class_index", "class_indices", "values" or "none") and "class_weight" names the
 *         per-class weight argument (null if the loss has none); for "overlap" entries
 *         "class_weight" names it too (lk_overlap's class_weight); both are null otherwise.
 *         Domains are "real", "non_negative", "positive",
 *         "unit_interval", "zero_one", "signs" or "above_minus_one"; lk_elementwise checks
 *         every input and target element against them (NaN always passes).
 *         A loss's id is its position in "losses" and never changes. Infinite bounds are
 *         null. Static, never free it. */
LK_API const char *lk_catalogue_json(void);

/* Looks up a loss by its name (e.g. "huber_loss").
 * @param name  NUL-terminated name.
 * @param id    receives the loss's id.
 * @return LK_OK, LK_ERR_NULL_POINTER, or LK_ERR_UNKNOWN_LOSS. */
LK_API lk_status lk_loss_id(const char *name, int32_t *id);

/* ---------------------------------------------------------------------------------------------
 * Elementwise losses
 * ------------------------------------------------------------------------------------------- */

/* Computes an elementwise loss l(x_i, y_i), and optionally its gradient and Hessian diagonal,
 * over n elements in one pass.
 *
 * @param loss       id of a catalogue entry of kind "elementwise" (see lk_loss_id).
 * @param params     the loss's parameters in catalogue order (e.g. {delta} for huber_loss);
 *                   may be NULL when n_params is 0. Each must be in its range: finite,
 *                   or infinite only where the catalogue's bound is inclusive (alpha = -inf).
 * @param n_params   number of values in params, at most the catalogue's count; parameters
 *                   past n_params take their catalogue defaults (so a loss that gains a
 *                   parameter in a later version keeps working for existing callers).
 * @param dtype      LK_FLOAT32 or LK_FLOAT64: the type of every array argument below.
 * @param n          number of elements.
 * @param input      n predictions x (never NULL when n > 0).
 * @param target     n targets y (never NULL when n > 0).
 * @param weight     NULL, or n_weight non-negative finite weights; element i uses
 *                   weight[i / (n / n_weight)], so n_weight == n gives a weight per element and
 *                   n_weight == rows gives one per row of a (rows, n / rows) array.
 *                   n_weight must divide n.
 * @param n_weight   number of weights (ignored when weight is NULL).
 * @param weighting  LK_WEIGHTING_NORMALIZED or LK_WEIGHTING_RESCALE (see above).
 * @param column     NULL, or n_column non-negative finite values of the loss's per-column
 *                   parameter (e.g. pos_weight), element i using column[i % n_column]
 *                   (broadcast along the last axis). NULL means 1. n_column must divide n.
 * @param n_column   number of values in column (ignored when column is NULL).
 * @param reduction  LK_REDUCTION_NONE, LK_REDUCTION_MEAN or LK_REDUCTION_SUM.
 * @param loss_out   NULL, or receives the reduced loss as a double (for LK_REDUCTION_NONE, the
 *                   sum of the per-element losses). NULL with LK_REDUCTION_MEAN or SUM asks for
 *                   the derivatives only: the loss itself is then not computed, which saves
 *                   its own terms (BCE with logits' log(1 + e^-|x|), for one), as a gradient-
 *                   boosting objective wants.
 * @param losses     for LK_REDUCTION_NONE, n outputs w_i * l_i (required when n > 0);
 *                   otherwise ignored, may be NULL.
 * @param grad       NULL, or n outputs: the derivative of the result with respect to x_i
 *                   (of w_i * l_i for LK_REDUCTION_NONE, of the reduced loss otherwise).
 * @param hess       NULL, or n outputs: the second derivative, likewise.
 * @return LK_OK or an error status (see lk_last_error). */
LK_API lk_status lk_elementwise(int32_t loss, const double *params, size_t n_params,
                                lk_dtype dtype, size_t n, const void *input, const void *target,
                                const void *weight, size_t n_weight, lk_weighting weighting,
                                const void *column, size_t n_column, lk_reduction reduction,
                                double *loss_out, void *losses, void *grad, void *hess);

/* lk_elementwise, plus the derivatives of the result with respect to what is not the input,
 * for losses that provide them (in the catalogue: "parameter_grad": true; e.g. the adaptive
 * robust loss's alpha and scale, the Gaussian NLL's var). All arguments of lk_elementwise
 * mean the same here; with param_grad and column_grad both NULL this is lk_elementwise.
 *
 * @param param_grad   NULL, or n_params doubles: the derivative of the result with respect to
 *                     each parameter, in catalogue order (for LK_REDUCTION_NONE, of the sum of
 *                     the per-element losses w_i * l_i). Accumulated in double precision.
 * @param column_grad  NULL, or n outputs of `dtype`: for element i, the derivative of the
 *                     result with respect to the column value element i used (column[i %
 *                     n_column]; 1 when column is NULL). Where elements share a column value,
 *                     its derivative is the sum of theirs, which the caller forms.
 * @return LK_OK or an error status; LK_ERR_INVALID_ARGUMENT if param_grad or column_grad is
 *         given for a loss without parameter derivatives. */
LK_API lk_status lk_elementwise_param_grad(int32_t loss, const double *params, size_t n_params,
                                           lk_dtype dtype, size_t n, const void *input,
                                           const void *target, const void *weight,
                                           size_t n_weight, lk_weighting weighting,
                                           const void *column, size_t n_column,
                                           lk_reduction reduction, double *loss_out, void *losses,
                                           void *grad, void *hess, double *param_grad,
                                           void *column_grad);

/* ---------------------------------------------------------------------------------------------
 * Cross-entropy
 * ------------------------------------------------------------------------------------------- */

/* Softmax cross-entropy of `rows` rows of `classes` logits, with PyTorch's semantics, and
 * optionally its gradient and Hessian diagonal with respect to the logits.
 *
 * With class weights w, label smoothing e and C classes, each row's target coefficients are
 *   a_c = (1 - e) w_y [c == y] + e/C w_c         for a class index y,
 *   a_c = w_c ((1 - e) t_c + e/C)                 for class probabilities t,
 * and its loss is l = sum_c a_c (logsumexp(z) - z_c), gradient A p - a, Hessian diagonal
 * A p (1 - p), with A = sum_c a_c and p = softmax(z). LK_REDUCTION_MEAN divides the sum of
 * s_i * l_i by sum_i s_i w_{y_i} over rows not ignored (index targets) or by sum_i s_i
 * (probability targets), s being the sample weights (1 when NULL).
 *
 * @param dtype          LK_FLOAT32 or LK_FLOAT64: type of logits, target_prob, class_weight,
 *                       sample_weight, losses, grad and hess.
 * @param rows           number of rows (samples).
 * @param classes        number of classes C (>= 1 when rows > 0).
 * @param logits         rows * classes logits, row-major.
 * @param target_index   NULL, or rows class indices in [0, classes), or ignore_index.
 * @param target_prob    NULL, or rows * classes class probabilities, row-major.
 *                       Exactly one of target_index and target_prob is given.
 * @param class_weight   NULL, or classes non-negative finite class weights.
 * @param sample_weight  NULL, or rows non-negative finite row weights.
 * @param ignore_index   rows whose target_index equals it contribute nothing (-100 in PyTorch).
 * @param label_smoothing  e in [0, 1].
 * @param reduction      LK_REDUCTION_NONE, LK_REDUCTION_MEAN or LK_REDUCTION_SUM.
 * @param loss_out       NULL, or receives the reduced loss (for NONE, the sum of row losses).
 * @param losses         for LK_REDUCTION_NONE, rows outputs s_i * l_i (0 for ignored rows);
 *                       otherwise ignored, may be NULL.
 * @param grad           NULL, or rows * classes outputs: derivative with respect to the logits.
 * @param hess           NULL, or rows * classes outputs: Hessian diagonal.
 * @return LK_OK or an error status (see lk_last_error). */
LK_API lk_status lk_cross_entropy(lk_dtype dtype, size_t rows, size_t classes, const void *logits,
                                  const int64_t *target_index, const void *target_prob,
                                  const void *class_weight, const void *sample_weight,
                                  int64_t ignore_index, double label_smoothing,
                                  lk_reduction reduction, double *loss_out, void *losses,
                                  void *grad, void *hess);

/* ---------------------------------------------------------------------------------------------
 * Row-wise losses
 * ------------------------------------------------------------------------------------------- */

/* Computes a row-wise loss (catalogue kind "rowwise": nll_loss, softmax_focal_loss,
 * multi_margin_loss, kl_div, entropy, ...) over `rows` rows of `classes` scores, and optionally
 * its gradient and Hessian diagonal with respect to the scores, in one pass. Each row's loss
 * depends on that row's scores and target only; the catalogue's "formula" and "derivatives"
 * state it.
 *
 * The target of a row depends on the loss's "row_target" in the catalogue:
 *   "class_index"    target_index holds rows class indices in [0, classes), or ignore_index
 *                    (that row then contributes nothing: loss 0, zero derivatives);
 *   "class_indices"  target_index holds rows * classes class indices, each row's list ending
 *                    at its first -1 (PyTorch's multilabel_margin_loss); entries after the
 *                    first -1 are not read;
 *   "values"         target_values holds rows * classes values (probabilities, 0/1 labels,
 *                    ...), checked against the catalogue's "target_domain";
 *   "none"           no target: both target pointers must be NULL.
 * The other target pointer must be NULL.
 *
 * Reductions, with s the sample weights (1 when NULL, 0 for ignored rows) and l_i row i's loss:
 *   LK_REDUCTION_NONE       rows outputs s_i * l_i in `losses`; for kl_div (whose PyTorch
 *                           'none' is per element) rows * classes outputs s_i * l_ic instead;
 *   LK_REDUCTION_SUM        sum_i s_i l_i;
 *   LK_REDUCTION_MEAN       sum_i s_i l_i / D, with D = sum_i s_i w_{y_i} for nll_loss
 *                           (w the class weights, PyTorch's rule), D = classes * sum_i s_i for
 *                           kl_div (PyTorch's element mean), D = sum_i s_i otherwise;
 *   LK_REDUCTION_BATCHMEAN  sum_i s_i l_i / sum_i s_i for every loss.
 * A mean over D = 0 is 0 with zero derivatives.
 *
 * @param loss           id of a catalogue entry of kind "rowwise" (see lk_loss_id).
 * @param params         the loss's parameters in catalogue order (e.g. {gamma} for
 *                       softmax_focal_loss); may be NULL when n_params is 0. Each must be
 *                       finite and in its range; flags (log_target) are 0 or 1, and
 *                       multi_margin_loss's p is 1 or 2.
 * @param n_params       number of values in params; must equal the catalogue's count.
 * @param dtype          LK_FLOAT32 or LK_FLOAT64: the type of input, target_values,
 *                       class_weight, sample_weight, losses, grad and hess.
 * @param rows           number of rows (samples).
 * @param classes        scores per row C (>= 1 when rows > 0).
 * @param input          rows * classes scores, row-major (logits, or log-probabilities for
 *                       nll_loss and kl_div).
 * @param target_index   see above; NULL unless row_target is "class_index" or
 *                       "class_indices" (may be NULL when rows is 0).
 * @param n_target_index number of values in target_index: rows for "class_index", rows *
 *                       classes for "class_indices" (checked; ignored when target_index is
 *                       NULL).
 * @param target_values  see above; NULL unless row_target is "values".
 * @param class_weight   NULL, or classes non-negative finite per-class weights; only for
 *                       losses whose catalogue "class_weight" is not null (weight, alpha).
 * @param sample_weight  NULL, or rows non-negative finite row weights.
 * @param ignore_index   for "class_index" targets: rows with this target are ignored (-100 in
 *                       PyTorch). Unused otherwise.
 * @param reduction      LK_REDUCTION_NONE, _MEAN, _SUM or _BATCHMEAN.
 * @param loss_out       NULL, or receives the reduced loss (for NONE, the sum of the losses).
 * @param losses         for LK_REDUCTION_NONE, the outputs described above (required when
 *                       rows > 0); otherwise ignored, may be NULL.
 * @param n_losses       number of values losses can hold: rows, or rows * classes for losses
 *                       with per-element outputs (kl_div); checked for LK_REDUCTION_NONE.
 * @param grad           NULL, or rows * classes outputs: derivative of the result with respect
 *                       to the input (of each row's s_i * l_i for NONE).
 * @param hess           NULL, or rows * classes outputs: the Hessian diagonal, likewise.
 * @return LK_OK or an error status (see lk_last_error): LK_ERR_UNKNOWN_LOSS for an id that is
 *         not a row-wise loss, LK_ERR_INDEX for a class index out of range, LK_ERR_NULL_POINTER
 *         for a missing required array, LK_ERR_INVALID_ARGUMENT for a bad parameter, option or
 *         weight or a target array the loss does not take, LK_ERR_SHAPE, LK_ERR_DTYPE. */
LK_API lk_status lk_rowwise(int32_t loss, const double *params, size_t n_params, lk_dtype dtype,
                            size_t rows, size_t classes, const void *input,
                            const int64_t *target_index, size_t n_target_index,
                            const void *target_values, const void *class_weight, const void *sample_weight,
                            int64_t ignore_index, lk_reduction reduction, double *loss_out,
                            void *losses, size_t n_losses, void *grad, void *hess);

/* ---------------------------------------------------------------------------------------------
 * Hybrid losses
 * ------------------------------------------------------------------------------------------- */

/* Computes a hybrid loss, the weighted sum L = sum_k w_k * L_k of n_parts catalogue losses on
 * the same prediction and target (e.g. cross_entropy + softmax_focal_loss, or
 * binary_cross_entropy_with_logits + sigmoid_focal_loss), its gradient and Hessian diagonal
 * with respect to the prediction, and each part's value L_k. Each part runs its own kernel
 * exactly as lk_elementwise, lk_cross_entropy or lk_rowwise would run it alone (same
 * conventions, same reductions), so L_k equals that call's loss_out; parts after the first
 * are added into the outputs with their weight (one scratch array per output, per call).
 *
 * The parts must share one input and target convention:
 *   elementwise  every part is of kind "elementwise": input and target_values both hold
 *                rows * classes values (any layout); sample_weight holds one weight per row
 *                of `classes` elements (pass rows = n, classes = 1 for a weight per element).
 *                target_index must be NULL; LK_REDUCTION_BATCHMEAN is refused.
 *   row-wise     every part is cross_entropy or of kind "rowwise": rows rows of classes
 *                scores; parts that read a target must read the same kind ("row_target"):
 *                class indices (target_index, rows values; cross_entropy too), lists of
 *                class indices (target_index, rows * classes values) or values
 *                (target_values, rows * classes; cross_entropy reads them as probabilities).
 *                Parts with row_target "none" (entropy) combine with any of these.
 *                ignore_index applies to parts that read one class index per row.
 * Anything else (an elementwise part with a row-wise part, class indices with target values,
 * an embedding, NT-Xent or CTC loss, batchmean with cross_entropy) is LK_ERR_INVALID_ARGUMENT
 * with a message naming the parts. Class weights and column operands (pos_weight, var) are not
 * available in a hybrid loss. Nothing is written unless every part validates. The checks run
 * in this order, and the first that fails gives the status: dtype (LK_ERR_DTYPE) and
 * reduction; n_parts, each part's id, parameter count and weight; sizes and NULL input; the
 * parts' conventions (which read no array, so a wrong combination of parts is reported as such
 * rather than as a length); n_target_index; each part's own checks; n_losses.
 *
 * @param n_parts        number of parts, 1 to 64.
 * @param part_loss      n_parts catalogue ids (see lk_loss_id).
 * @param part_weight    n_parts finite weights w_k (any sign; 0 still evaluates the part).
 * @param params         the parts' parameters, concatenated in part order; part k's are its
 *                       first n_params[k] parameters in catalogue order (e.g. {gamma} for
 *                       softmax_focal_loss, {label_smoothing} for cross_entropy); may be NULL
 *                       when every n_params[k] is 0.
 * @param n_params       NULL (every part at its catalogue defaults), or n_parts counts; fewer
 *                       than the loss has leave the trailing ones at their defaults, more is
 *                       LK_ERR_INVALID_ARGUMENT.
 * @param dtype          LK_FLOAT32 or LK_FLOAT64: the type of input, target_values,
 *                       sample_weight, losses, part_losses, grad and hess.
 * @param rows           rows (samples) of the prediction.
 * @param classes        values per row (>= 1 for row-wise parts when rows > 0).
 * @param input          rows * classes predictions, row-major.
 * @param target_index   class indices (see above) or NULL.
 * @param n_target_index number of values in target_index: rows, or rows * classes for lists of
 *                       class indices (checked; ignored when target_index is NULL).
 * @param target_values  rows * classes target values (see above) or NULL.
 * @param sample_weight  NULL, or rows non-negative finite row weights, shared by every part.
 * @param ignore_index   rows whose class index is this are ignored (-100 in PyTorch).
 * @param reduction      LK_REDUCTION_NONE, _MEAN, _SUM, or _BATCHMEAN (row-wise parts other
 *                       than cross_entropy); every part is reduced by its own rule (see
 *                       lk_elementwise, lk_cross_entropy, lk_rowwise).
 * @param loss_out       NULL, or receives L (for NONE, sum_k w_k * (sum of part k's losses)).
 * @param parts_out      NULL, or n_parts values: receives each L_k, unweighted.
 * @param losses         for LK_REDUCTION_NONE, NULL or n_losses outputs: sum_k w_k * (part k's
 *                       losses); ignored otherwise. Every part must give the same number of
 *                       losses: rows * classes for elementwise parts and kl_div, rows for the
 *                       others (mixing them under NONE is LK_ERR_SHAPE).
 * @param n_losses       number of losses each part gives (checked for NONE when losses or
 *                       part_losses is not NULL).
 * @param part_losses    for LK_REDUCTION_NONE, NULL or n_parts * n_losses outputs: part k's
 *                       own (unweighted) losses at offset k * n_losses; ignored otherwise.
 *                       For NONE with rows > 0, losses or part_losses is required.
 * @param grad           NULL, or rows * classes outputs: dL/dinput.
 * @param hess           NULL, or rows * classes outputs: the diagonal of d2L/dinput2.
 * @return LK_OK or an error status (see lk_last_error, which names the part): as lk_elementwise,
 *         lk_cross_entropy and lk_rowwise, plus LK_ERR_UNKNOWN_LOSS for an unknown id,
 *         LK_ERR_INVALID_ARGUMENT for incompatible parts, a bad n_parts or weight, and
 *         LK_ERR_OUT_OF_MEMORY when the scratch of the later parts (up to three arrays of the
 *         outputs' size) cannot be allocated. */
LK_API lk_status lk_hybrid(size_t n_parts, const int32_t *part_loss, const double *part_weight,
                           const double *params, const size_t *n_params, lk_dtype dtype,
                           size_t rows, size_t classes, const void *input,
                           const int64_t *target_index, size_t n_target_index,
                           const void *target_values, const void *sample_weight,
                           int64_t ignore_index, lk_reduction reduction, double *loss_out,
                           double *parts_out, void *losses, size_t n_losses, void *part_losses,
                           void *grad, void *hess);

/* ---------------------------------------------------------------------------------------------
 * Embedding, metric-learning and ranking losses
 * ------------------------------------------------------------------------------------------- */

/* Flags of lk_embedding. */
enum {
    LK_EMBEDDING_SWAP = 1  /* triplet_margin_loss: use min(d(a, n), d(p, n)) (PyTorch's swap) */
};

/* Computes a loss over `rows` tuples of rows of `dim` values, and optionally its gradient with
 * respect to every input array, in one pass. The catalogue entries of kind "embedding" are
 *   cosine_embedding_loss  (input1, input2, target in {-1, 1}; params {margin})
 *       1 - cos if y = 1, max(0, cos - margin) if y = -1,
 *       cos = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12)) (PyTorch's; zero vectors give cos 0)
 *   margin_ranking_loss    (input1, input2, target in {-1, 1}; params {margin}; dim 1)
 *       max(0, -y (x1 - x2) + margin)
 *   hinge_embedding_loss   (input1, target in {-1, 1}; params {margin}; dim 1)
 *       x if y = 1, max(0, margin - x) if y = -1
 *   triplet_margin_loss    (input1 = anchor, input2 = positive, input3 = negative, no target;
 *                           params {margin > 0, p >= 1, eps}; flag LK_EMBEDDING_SWAP)
 *       max(0, margin + d(a, p) - d(a, n)), d(u, v) = |u - v + eps|_p (PyTorch's)
 *   contrastive_loss       (input1, input2, target in {0, 1}, 1 = similar; params {margin >= 0})
 *       d^2 if y = 1, max(0, margin - d)^2 if y = 0, d = |x1 - x2|_2
 * Hinges pass their gradient at 0, as PyTorch's clamp_min. No Hessian is computed.
 *
 * @param loss           id of a catalogue entry of kind "embedding" (see lk_loss_id).
 * @param params         the loss's parameters in catalogue order; may be NULL when n_params is 0.
 * @param n_params       number of values in params; must equal the catalogue's count.
 * @param flags          0, or LK_EMBEDDING_SWAP for triplet_margin_loss.
 * @param dtype          LK_FLOAT32 or LK_FLOAT64: the type of every array argument below.
 * @param rows           number of tuples (samples).
 * @param dim            values per row; exactly 1 for margin_ranking_loss and
 *                       hinge_embedding_loss (one score per sample; anything else is LK_ERR_SHAPE:
 *                       PyTorch applies them elementwise, so pass rows = elements, dim = 1).
 * @param input1, input2, input3
 *                       rows * dim values each, row-major; exactly as many as the loss takes
 *                       (the others must be NULL).
 * @param target         rows labels in the loss's target domain; NULL for triplet_margin_loss.
 * @param sample_weight  NULL, or rows non-negative finite weights s_i.
 * @param reduction      LK_REDUCTION_NONE, _MEAN (sum(s l) / sum(s)) or _SUM.
 * @param loss_out       NULL, or receives the reduced loss (for NONE, the sum of the losses).
 * @param losses         for LK_REDUCTION_NONE, rows outputs s_i * l_i; otherwise ignored.
 * @param grad1, grad2, grad3
 *                       NULL, or rows * dim outputs: the derivative of the result with respect
 *                       to input1, input2, input3 (only for arrays the loss takes).
 * @return LK_OK or an error status (see lk_last_error). */
LK_API lk_status lk_embedding(int32_t loss, const double *params, size_t n_params, int32_t flags,
                              lk_dtype dtype, size_t rows, size_t dim, const void *input1,
                              const void *input2, const void *input3, const void *target,
                              const void *sample_weight, lk_reduction reduction, double *loss_out,
                              void *losses, void *grad1, void *grad2, void *grad3);

/* NT-Xent (SimCLR's normalised temperature-scaled cross-entropy) over n embeddings of dim
 * values, with optax's `ntxent` semantics: s_ij = cos(e_i, e_j) / temperature with
 * cos = a.b / (sqrt(max(|a|^2, eps)) sqrt(max(|b|^2, eps))), eps the dtype's machine epsilon;
 * every ordered pair (i, j != i) with equal labels is a positive with loss
 * -s_ij + log(e^s_ij + sum_{k: label_k != label_i} e^s_ik).
 *
 * @param dtype        LK_FLOAT32 or LK_FLOAT64: type of embeddings, losses and grad.
 * @param n            number of embeddings.
 * @param dim          values per embedding.
 * @param embeddings   n * dim values, row-major.
 * @param labels       n integer labels; equal labels mark positive pairs.
 * @param temperature  > 0 and finite (0.07 in optax).
 * @param reduction    LK_REDUCTION_MEAN: the mean over positive pairs (optax; 0 when there is
 *                     none, where optax gives NaN); _SUM: their sum; _NONE: per anchor, the sum
 *                     over its positives.
 * @param loss_out     NULL, or receives the reduced loss (for NONE, the sum).
 * @param losses       for LK_REDUCTION_NONE, n outputs; otherwise ignored.
 * @param grad         NULL, or n * dim outputs: the derivative of the result with respect to the
 *                     embeddings (of the sum for NONE).
 * @return LK_OK or an error status (see lk_last_error); LK_ERR_OUT_OF_MEMORY when its scratch
 *         (7 n doubles, and max(n, dim) doubles per thread) cannot be allocated. */
LK_API lk_status lk_ntxent(lk_dtype dtype, size_t n, size_t dim, const void *embeddings,
                           const int64_t *labels, double temperature, lk_reduction reduction,
                           double *loss_out, void *losses, void *grad);

/* ---------------------------------------------------------------------------------------------
 * Sequence losses
 * ------------------------------------------------------------------------------------------- */

/* Connectionist temporal classification with the semantics of PyTorch's ctc_loss, computed in
 * log space in double precision with the forward-backward recursions.
 *
 * @param dtype           LK_FLOAT32 or LK_FLOAT64: type of log_probs, sample_weight, losses, grad.
 * @param frames          T, the longest input length.
 * @param batch           N, the number of sequences.
 * @param classes         C, including the blank (>= 1 when T * N > 0).
 * @param log_probs       T * N * C log-probabilities, laid out (T, N, C) row-major.
 * @param targets         the labels, in [0, C) and never the blank: either padded, N rows of
 *                        target_stride labels (entries past a sequence's length are not read),
 *                        or concatenated, the N label sequences back to back.
 * @param n_targets       number of values in targets: N * target_stride when padded, the sum
 *                        of target_lengths when concatenated.
 * @param target_stride   S > 0 for the padded layout, 0 for the concatenated one.
 * @param input_lengths   N values in [0, T]: frames of each sequence.
 * @param target_lengths  N values >= 0 (<= S when padded).
 * @param blank           the blank's class index, in [0, C).
 * @param zero_infinity   0 or 1: whether impossible alignments (loss +inf) give loss 0 and a zero
 *                        gradient instead of +inf and a NaN gradient (PyTorch's behaviour).
 * @param sample_weight   NULL, or N non-negative finite weights s_n.
 * @param reduction       LK_REDUCTION_NONE: s_n l_n; _SUM: their sum; _MEAN:
 *                        sum_n s_n l_n / max(target_length_n, 1) / sum_n s_n (PyTorch's mean
 *                        when s = 1; 0 for an empty batch).
 * @param loss_out        NULL, or receives the reduced loss (for NONE, the sum).
 * @param losses          for LK_REDUCTION_NONE, N outputs; otherwise ignored.
 * @param grad            NULL, or T * N * C outputs: the derivative of the result with respect to
 *                        log_probs as independent inputs, -gamma (the state occupancy); 0 past
 *                        each input length. PyTorch returns exp(log_probs) - gamma, which gives
 *                        the same gradient once propagated through log_softmax. No Hessian.
 * @return LK_OK or an error status (see lk_last_error); LK_ERR_OUT_OF_MEMORY when its scratch
 *         cannot be allocated: per thread, for the longest sequence, two frames of alpha
 *         (2 (2S + 1) doubles) for the loss alone, or the whole alpha table
 *         ((T + 2)(2S + 1) + classes doubles) with grad. Sequences of no frames need none. */
LK_API lk_status lk_ctc(lk_dtype dtype, size_t frames, size_t batch, size_t classes,
                        const void *log_probs, const int64_t *targets, size_t n_targets,
                        size_t target_stride, const int64_t *input_lengths,
                        const int64_t *target_lengths, int64_t blank, int32_t zero_infinity,
                        const void *sample_weight, lk_reduction reduction, double *loss_out,
                        void *losses, void *grad);

/* ---------------------------------------------------------------------------------------------
 * Segmentation (overlap) losses
 * ------------------------------------------------------------------------------------------- */

/* Computes a segmentation loss over per-class overlap sums, and optionally its gradient and
 * exact Hessian diagonal with respect to the input, in two passes. For sample n and class c,
 * with p the probabilities and t the target over the spatial axes,
 *   TP = sum p t,  FP = sum p (1 - t),  FN = sum (1 - p) t,
 *   TI = (TP + smooth) / (TP + alpha FP + beta FN + smooth)   (optax's dice_loss form),
 * and the class's loss l_nc is, for the catalogue entries of kind "overlap":
 *   dice_loss              1 - TI with alpha = beta = 1/2  (params {smooth, apply_softmax,
 *                          ignore_background})
 *   tversky_loss           1 - TI  (params {alpha, beta, smooth, apply_softmax, ignore_background};
 *                          alpha weighs false positives, beta false negatives)
 *   focal_tversky_loss     (1 - TI)^gamma  (params {alpha, beta, gamma, smooth, apply_softmax,
 *                          ignore_background}); derivatives 0 where TI = 1
 *   generalized_dice_loss  w_c (1 - TI), alpha = beta = 1/2, w_c = 1 / ((sum over the batch of
 *                          t_c)^2 + 1e-7) normalised to sum to C (optax's
 *                          multiclass_generalized_dice_loss); class_weight must be NULL
 *   jaccard_loss           1 - TI with alpha = beta = 1 (soft IoU)
 *   lovasz_softmax_loss    (params {apply_softmax, ignore_background}) the Lovasz extension of
 *                          the Jaccard loss at the errors e = |t - p|: sum_k e_(k) g_k, errors
 *                          sorted decreasingly (ties by pixel order), g_k = J_k - J_(k-1),
 *                          J_k = 1 - (T - cumsum t)_k / (T + cumsum (1 - t))_k; gradient
 *                          g sign(p - t), Hessian 0 in p (piecewise linear)
 * A class whose denominator is 0 (smooth = 0 and the class absent from both p and t) has loss 0
 * and derivatives 0. The loss of sample n is L_n = (1/C') sum_c w_c l_nc over the C' classes
 * kept (all, or 1..C-1 with ignore_background when C > 1), w_c = class_weight[c] or 1.
 * With apply_softmax = 1 the input holds logits: p is the softmax over the class axis, or the
 * sigmoid when C = 1; with 0 it holds probabilities in [0, 1]. Sums are accumulated in double,
 * pixel by pixel in order within each sample, so results do not depend on the thread count.
 *
 * @param loss          id of a catalogue entry of kind "overlap" (see lk_loss_id).
 * @param params        the loss's parameters in catalogue order (flags as 0 or 1).
 * @param n_params      number of values in params; must equal the catalogue's count.
 * @param dtype         LK_FLOAT32 or LK_FLOAT64: type of every non-index array below.
 * @param batch         N, the number of samples.
 * @param classes       C (>= 1 when there is any data).
 * @param spatial       S, the product of the spatial sizes d1 * d2 * ... (1 for none).
 * @param input         N * C * S values in the layout (N, C, S), row-major (PyTorch's
 *                      (N, C, d1, ...) flattened).
 * @param target_index  NULL, or N * S class indices in [0, C) laid out (N, S) (with C = 1, a
 *                      0/1 foreground mask).
 * @param target_values NULL, or N * C * S values in [0, 1] laid out like input (one-hot or
 *                      probabilities). Exactly one of target_index and target_values.
 * @param class_weight  NULL, or C non-negative finite weights w_c.
 * @param sample_weight NULL, or N non-negative finite weights s_n.
 * @param reduction     LK_REDUCTION_NONE, _MEAN (sum(s L) / sum(s); 0 when that is 0) or _SUM.
 * @param loss_out      NULL, or receives the reduced loss (for NONE, the sum of the losses).
 * @param losses        for LK_REDUCTION_NONE, N outputs s_n * L_n; otherwise ignored.
 * @param grad          NULL, or N * C * S outputs: the derivative of the result with respect
 *                      to input (of the sum of the losses for NONE).
 * @param hess          NULL, or N * C * S outputs: the exact diagonal of its Hessian.
 * @return LK_OK or an error status (see lk_last_error); LK_ERR_OUT_OF_MEMORY when its scratch
 *         cannot be allocated: 3 N C + C doubles of sums (and N C terms with grad or hess), 3 C
 *         doubles per thread; for lovasz_softmax_loss 3 C S + C doubles and 2 S indices per
 *         thread. */
LK_API lk_status lk_overlap(int32_t loss, const double *params, size_t n_params, lk_dtype dtype,
                            size_t batch, size_t classes, size_t spatial, const void *input,
                            const int64_t *target_index, const void *target_values,
                            const void *class_weight, const void *sample_weight,
                            lk_reduction reduction, double *loss_out, void *losses, void *grad,
                            void *hess);

/* ---------------------------------------------------------------------------------------------
 * Testing
 *
 * For test programs only: not part of the stable API a library built on LossKit should use.
 * ------------------------------------------------------------------------------------------- */

/* Makes the library's scratch allocations fail, to test that every driver reports
 * LK_ERR_OUT_OF_MEMORY and leaves its outputs untouched. With after_n >= 0 the next after_n
 * allocations succeed and every later one fails, until the next call; after_n < 0 restores
 * normal allocation (the default). The limit is process-wide and counted by one atomic, so
 * allocations racing on several threads use it up exactly once each, and it affects LossKit
 * calls on every thread of the process. Allocations that only spread work over threads (the
 * per-block sums of elementwise, cross-entropy, row-wise and embedding calls) fall back to the
 * calling thread when they fail, with the same result, so those calls never fail for memory. */
LK_API void lk_testing_fail_allocations(int64_t after_n);

#ifdef __cplusplus
}
#endif

#endif /* LOSSKIT_H */
