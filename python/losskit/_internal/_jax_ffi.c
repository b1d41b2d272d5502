/*
 * losskit._internal._jax_ffi: XLA FFI handlers that run liblosskit.so inside JAX programs.
 *
 * One handler per C ABI driver (lk_elementwise, lk_cross_entropy, lk_rowwise, lk_embedding,
 * lk_overlap, lk_ctc, lk_ntxent), each generic over the losses of its driver: the loss id, its
 * parameters and the options arrive as attributes, the element type is read from the input
 * buffer. Each computes the loss and, when the call asks for more results than the loss, the
 * gradient(s) in the same native call, which `losskit.jax` keeps as the custom_vjp residual.
 *
 * Written against XLA's plain C FFI API (`xla/ffi/api/c_api.h`, from jaxlib's include folder
 * at build time), so the module needs no C++ runtime. The Python module holds nothing but one
 * PyCapsule per handler (`losskit.jax` registers them with `jax.ffi.register_ffi_target`).
 *
 * Call conventions shared with `losskit/jax.py`:
 *  - Arguments are in a fixed order per handler. Optional arrays (weights, a missing target)
 *    are passed as zero-element arrays and marked absent by the bit of their argument index
 *    being clear in the int64 attribute `present`.
 *  - Result 0 is the loss: a scalar for reductions mean/sum/batchmean, the per-element or
 *    per-row losses for 'none' (its element count is the count the driver is told). Results
 *    1.. are the gradients, present only when the caller differentiates.
 *  - Integer arrays (class indices, labels, lengths) may be int32 (JAX without x64) or int64;
 *    int32 ones are widened into a scratch copy.
 *  - Failures return an FFI error carrying the library's message (lk_last_error); the process
 *    is never aborted.
 */
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x030B0000
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "losskit.h"
#include "xla/ffi/api/c_api.h"

/* ---------------------------------------------------------------------------------------------
 * Call frame access
 * ------------------------------------------------------------------------------------------- */

static XLA_FFI_Error *fail(const XLA_FFI_Api *api, XLA_FFI_Error_Code code, const char *message) {
    XLA_FFI_Error_Create_Args args;
    memset(&args, 0, sizeof args);
    args.struct_size = XLA_FFI_Error_Create_Args_STRUCT_SIZE;
    args.message = message;
    args.errc = code;
    return api->XLA_FFI_Error_Create(&args);
}

/* The FFI error of a failed LossKit call: the status name and the library's message. */
static XLA_FFI_Error *status_error(const XLA_FFI_Api *api, lk_status status) {
    char message[1024];
    snprintf(message, sizeof message, "losskit: %s: %s", lk_status_name(status), lk_last_error());
    XLA_FFI_Error_Code code = XLA_FFI_Error_Code_INVALID_ARGUMENT;
    if (status == LK_ERR_INDEX) code = XLA_FFI_Error_Code_OUT_OF_RANGE;
    if (status == LK_ERR_OUT_OF_MEMORY) code = XLA_FFI_Error_Code_RESOURCE_EXHAUSTED;
    if (status == LK_ERR_INTERNAL) code = XLA_FFI_Error_Code_INTERNAL;
    return fail(api, code, message);
}

/* Answers XLA's metadata query (the FFI API version these handlers were compiled against).
 * Returns 1 when the call was that query. */
static int is_metadata_query(XLA_FFI_CallFrame *frame) {
    XLA_FFI_Extension_Base *ext = frame->extension_start;
    if (ext == NULL || ext->type != XLA_FFI_Extension_Metadata) return 0;
    XLA_FFI_Metadata *metadata = ((XLA_FFI_Metadata_Extension *)ext)->metadata;
    metadata->api_version.struct_size = XLA_FFI_Api_Version_STRUCT_SIZE;
    metadata->api_version.extension_start = NULL;
    metadata->api_version.major_version = XLA_FFI_API_MAJOR;
    metadata->api_version.minor_version = XLA_FFI_API_MINOR;
    metadata->traits = 0;
    return 1;
}

static XLA_FFI_Buffer *arg(XLA_FFI_CallFrame *frame, int64_t i) {
    return i < frame->args.size ? (XLA_FFI_Buffer *)frame->args.args[i] : NULL;
}

static XLA_FFI_Buffer *ret(XLA_FFI_CallFrame *frame, int64_t i) {
    return i < frame->rets.size ? (XLA_FFI_Buffer *)frame->rets.rets[i] : NULL;
}

static size_t elements(const XLA_FFI_Buffer *b) {
    size_t n = 1;
    for (int64_t k = 0; k < b->rank; k++) n *= (size_t)b->dims[k];
    return n;
}

static size_t dim(const XLA_FFI_Buffer *b, int64_t k) { return k < b->rank ? (size_t)b->dims[k] : 1; }

/* The lk_dtype of a float buffer, -1 for any other element type. */
static lk_dtype float_type(const XLA_FFI_Buffer *b) {
    return b->dtype == XLA_FFI_DataType_F32 ? LK_FLOAT32 : b->dtype == XLA_FFI_DataType_F64 ? LK_FLOAT64 : -1;
}

/* The attribute called `name`, or NULL. */
static void *attr(XLA_FFI_CallFrame *frame, const char *name, XLA_FFI_AttrType type) {
    size_t len = strlen(name);
    for (int64_t i = 0; i < frame->attrs.size; i++) {
        XLA_FFI_ByteSpan *key = frame->attrs.names[i];
        if (frame->attrs.types[i] == type && key->len == len && memcmp(key->ptr, name, len) == 0)
            return frame->attrs.attrs[i];
    }
    return NULL;
}

/* An integer scalar attribute (any integer width), `fallback` when absent. */
static int64_t int_attr(XLA_FFI_CallFrame *frame, const char *name, int64_t fallback) {
    XLA_FFI_Scalar *s = attr(frame, name, XLA_FFI_AttrType_SCALAR);
    if (s == NULL) return fallback;
    switch (s->dtype) {
    case XLA_FFI_DataType_S8: return *(int8_t *)s->value;
    case XLA_FFI_DataType_S16: return *(int16_t *)s->value;
    case XLA_FFI_DataType_S32: return *(int32_t *)s->value;
    case XLA_FFI_DataType_S64: return *(int64_t *)s->value;
    case XLA_FFI_DataType_PRED: return *(uint8_t *)s->value;
    default: return fallback;
    }
}

/* A float scalar attribute (float32 or float64), `fallback` when absent. */
static double real_attr(XLA_FFI_CallFrame *frame, const char *name, double fallback) {
    XLA_FFI_Scalar *s = attr(frame, name, XLA_FFI_AttrType_SCALAR);
    if (s == NULL) return fallback;
    if (s->dtype == XLA_FFI_DataType_F64) return *(double *)s->value;
    if (s->dtype == XLA_FFI_DataType_F32) return *(float *)s->value;
    return fallback;
}

/* A float64 array attribute (the loss's parameters): its values and count (0 when absent). */
static const double *reals_attr(XLA_FFI_CallFrame *frame, const char *name, size_t *n) {
    XLA_FFI_Array *a = attr(frame, name, XLA_FFI_AttrType_ARRAY);
    *n = 0;
    if (a == NULL || a->dtype != XLA_FFI_DataType_F64) return NULL;
    *n = a->size;
    return a->data;
}

/* Whether the `present` attribute marks optional argument `i` as given. */
static int given(XLA_FFI_CallFrame *frame, int64_t i) {
    return arg(frame, i) != NULL && (int_attr(frame, "present", 0) >> i & 1);
}

/* Argument `i`'s data if given, else NULL. */
static const void *optional(XLA_FFI_CallFrame *frame, int64_t i) { return given(frame, i) ? arg(frame, i)->data : NULL; }

/* Writes a reduced loss into the scalar result `b` in its element type. */
static void store(XLA_FFI_Buffer *b, double value) {
    if (b->dtype == XLA_FFI_DataType_F32) *(float *)b->data = (float)value;
    else *(double *)b->data = value;
}

/* Integer indices as int64: the buffer's own data, or a widened copy of int32 indices in
 * `*owned` (freed by the caller). NULL with `*error` set on failure. */
static const int64_t *indices(const XLA_FFI_Api *api, const XLA_FFI_Buffer *b, int64_t **owned,
                              XLA_FFI_Error **error, const char *name) {
    char message[256];
    *owned = NULL;
    if (b->dtype == XLA_FFI_DataType_S64) return b->data;
    if (b->dtype != XLA_FFI_DataType_S32) {
        snprintf(message, sizeof message, "losskit: %s: expected int32 or int64 indices", name);
        *error = fail(api, XLA_FFI_Error_Code_INVALID_ARGUMENT, message);
        return NULL;
    }
    size_t n = elements(b);
    *owned = malloc((n ? n : 1) * sizeof(int64_t));
    if (*owned == NULL) {
        snprintf(message, sizeof message, "losskit: %s: could not allocate %zu bytes to widen int32 indices",
                 name, n * sizeof(int64_t));
        *error = fail(api, XLA_FFI_Error_Code_RESOURCE_EXHAUSTED, message);
        return NULL;
    }
    const int32_t *from = b->data;
    for (size_t k = 0; k < n; k++) (*owned)[k] = from[k];
    return *owned;
}

/* A target given either as floats like the input (probabilities, one-hot, values) or as class
 * indices; sets exactly one of *values and *index (widened into *owned, which the caller frees).
 * Returns NULL, or the error for indices of a wrong type or an allocation that failed. */
static XLA_FFI_Error *class_target(const XLA_FFI_Api *api, XLA_FFI_Buffer *target, const void **values,
                                   const int64_t **index, int64_t **owned) {
    XLA_FFI_Error *error = NULL;
    *values = NULL;
    *index = NULL;
    *owned = NULL;
    if (float_type(target) >= 0) *values = target->data;
    else *index = indices(api, target, owned, &error, "target");
    return error;
}

/* Refuses operands of another element type than the input's: float arguments (targets,
 * weights) and every result must have it; the driver reads and writes them as that type. */
static XLA_FFI_Error *check_types(XLA_FFI_CallFrame *frame, const XLA_FFI_Buffer *input) {
    for (int64_t k = 0; k < frame->args.size; k++) {
        XLA_FFI_Buffer *b = arg(frame, k);
        if (float_type(b) >= 0 && b->dtype != input->dtype)
            return fail(frame->api, XLA_FFI_Error_Code_INVALID_ARGUMENT,
                        "losskit: every float argument must have the input's element type");
    }
    for (int64_t k = 0; k < frame->rets.size; k++)
        if (ret(frame, k)->dtype != input->dtype)
            return fail(frame->api, XLA_FFI_Error_Code_INVALID_ARGUMENT,
                        "losskit: every result must have the input's element type");
    return NULL;
}

#define ANY SIZE_MAX

/* Refuses buffers the driver would read or write past. Argument k must hold want[k] elements
 * (ANY: not checked here, the driver checks that count itself) when it is required (bit k of
 * `required`) or given; result 0 must hold `n_losses` values for 'none' and one otherwise,
 * result k >= 1 as many as argument grad_of[k - 1], whose gradient it is. */
static XLA_FFI_Error *check_sizes(XLA_FFI_CallFrame *frame, const size_t *want, unsigned required,
                                  lk_reduction reduction, size_t n_losses, const int *grad_of, int n_grads) {
    char message[256];
    for (int64_t k = 0; k < frame->args.size; k++) {
        if (want[k] == ANY || !((required >> k & 1) || given(frame, k)) || elements(arg(frame, k)) == want[k])
            continue;
        snprintf(message, sizeof message, "losskit: FFI argument %ld holds %zu elements, expected %zu", (long)k,
                 elements(arg(frame, k)), want[k]);
        return fail(frame->api, XLA_FFI_Error_Code_INVALID_ARGUMENT, message);
    }
    if (frame->rets.size > 1 + n_grads)
        return fail(frame->api, XLA_FFI_Error_Code_INVALID_ARGUMENT, "losskit: too many FFI results");
    size_t loss_count = reduction == LK_REDUCTION_NONE ? n_losses : 1;
    if (n_losses != ANY && elements(ret(frame, 0)) != loss_count) {
        snprintf(message, sizeof message, "losskit: the loss result holds %zu elements, expected %zu",
                 elements(ret(frame, 0)), loss_count);
        return fail(frame->api, XLA_FFI_Error_Code_INVALID_ARGUMENT, message);
    }
    if (reduction != LK_REDUCTION_NONE && elements(ret(frame, 0)) != 1)
        return fail(frame->api, XLA_FFI_Error_Code_INVALID_ARGUMENT, "losskit: a reduced loss is one element");
    for (int64_t k = 1; k < frame->rets.size; k++) {
        if (elements(ret(frame, k)) == elements(arg(frame, grad_of[k - 1]))) continue;
        snprintf(message, sizeof message, "losskit: FFI result %ld holds %zu elements, expected %zu", (long)k,
                 elements(ret(frame, k)), elements(arg(frame, grad_of[k - 1])));
        return fail(frame->api, XLA_FFI_Error_Code_INVALID_ARGUMENT, message);
    }
    return NULL;
}

/* The shared prologue: the metadata query, the operand count, the element types, and the
 * reduction. */
#define BEGIN(frame, n_args)                                                               \
    if (is_metadata_query(frame)) return NULL;                                             \
    const XLA_FFI_Api *api = (frame)->api;                                                 \
    if ((frame)->args.size != (n_args) || (frame)->rets.size < 1)                          \
        return fail(api, XLA_FFI_Error_Code_INVALID_ARGUMENT, "losskit: wrong number of FFI operands"); \
    XLA_FFI_Buffer *input_buffer = arg(frame, 0);                                          \
    lk_dtype dtype = float_type(input_buffer);                                             \
    if (dtype < 0)                                                                         \
        return fail(api, XLA_FFI_Error_Code_INVALID_ARGUMENT, "losskit: input must be float32 or float64"); \
    XLA_FFI_Error *type_error = check_types(frame, input_buffer);                          \
    if (type_error != NULL) return type_error;                                             \
    lk_reduction reduction = (lk_reduction)int_attr(frame, "reduction", LK_REDUCTION_MEAN); \
    XLA_FFI_Buffer *loss_buffer = ret(frame, 0);                                           \
    /* The reduced loss, which END stores in the loss result. */                           \
    double loss_value = 0.0;                                                               \
    double *loss_out = &loss_value;                                                        \
    void *losses = reduction == LK_REDUCTION_NONE ? loss_buffer->data : NULL;

/* Runs check_sizes; returns its error. */
#define CHECK_SIZES(want, required, n_losses, grad_of)                                     \
    do {                                                                                   \
        XLA_FFI_Error *size_error = check_sizes(frame, want, required, reduction, n_losses, grad_of, \
                                                (int)(sizeof grad_of / sizeof grad_of[0])); \
        if (size_error != NULL) return size_error;                                         \
    } while (0)

/* The shared epilogue: the reduced loss into result 0, or the error. */
#define END(status)                                                                        \
    if ((status) != LK_OK) return status_error(api, (status));                             \
    if (reduction != LK_REDUCTION_NONE) store(loss_buffer, loss_value);                    \
    return NULL;

static void *grad_out(XLA_FFI_CallFrame *frame, int64_t k) {
    XLA_FFI_Buffer *b = ret(frame, k);
    return b ? b->data : NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Handlers
 * ------------------------------------------------------------------------------------------- */

/* args: input, target, weight, column.  attrs: loss, params, reduction, weighting, present.
 * Result 2, when asked for, is the derivative with respect to the column (one value per
 * element: the caller passes the column broadcast to the input), for losses whose catalogue
 * entry has parameter_grad (Gaussian NLL's var). */
static XLA_FFI_Error *elementwise(XLA_FFI_CallFrame *frame) {
    BEGIN(frame, 4)
    size_t n = elements(input_buffer);
    const size_t want[4] = {n, n, ANY, frame->rets.size > 2 ? n : ANY};
    static const int grad_of[2] = {0, 3};
    CHECK_SIZES(want, 0x3, n, grad_of);
    size_t n_params;
    const double *params = reals_attr(frame, "params", &n_params);
    const void *weight = optional(frame, 2), *column = optional(frame, 3);
    lk_status status = lk_elementwise_param_grad(
        (int32_t)int_attr(frame, "loss", -1), params, n_params, dtype, elements(input_buffer),
        input_buffer->data, arg(frame, 1)->data, weight, weight ? elements(arg(frame, 2)) : 0,
        (lk_weighting)int_attr(frame, "weighting", LK_WEIGHTING_NORMALIZED), column,
        column ? elements(arg(frame, 3)) : 0, reduction, loss_out, losses, grad_out(frame, 1), NULL, NULL,
        grad_out(frame, 2));
    END(status)
}

/* args: logits (rows, classes), target (indices (rows,) or probabilities (rows, classes)),
 * class_weight, sample_weight.  attrs: ignore_index, label_smoothing, reduction, present. */
static XLA_FFI_Error *cross_entropy(XLA_FFI_CallFrame *frame) {
    BEGIN(frame, 4)
    XLA_FFI_Buffer *target = arg(frame, 1);
    size_t rows = dim(input_buffer, 0), classes = dim(input_buffer, 1);
    const size_t want[4] = {rows * classes, float_type(target) >= 0 ? rows * classes : rows, classes, rows};
    static const int grad_of[1] = {0};
    CHECK_SIZES(want, 0x3, rows, grad_of);
    int64_t *owned;
    const int64_t *index;
    const void *prob;
    XLA_FFI_Error *error = class_target(api, target, &prob, &index, &owned);
    if (error != NULL) return error;
    lk_status status = lk_cross_entropy(
        dtype, dim(input_buffer, 0), dim(input_buffer, 1), input_buffer->data, index, prob,
        optional(frame, 2), optional(frame, 3), int_attr(frame, "ignore_index", -100),
        real_attr(frame, "label_smoothing", 0.0), reduction, loss_out, losses, grad_out(frame, 1), NULL);
    free(owned);
    END(status)
}

/* args: input (rows, classes), target (indices or values; absent for losses without one),
 * class_weight, sample_weight.  attrs: loss, params, ignore_index, reduction, present. */
static XLA_FFI_Error *rowwise(XLA_FFI_CallFrame *frame) {
    BEGIN(frame, 4)
    size_t rows = dim(input_buffer, 0), classes = dim(input_buffer, 1);
    /* Index targets and the 'none' losses (per row, or per element for kl_div): lk_rowwise
     * is told their counts and checks them. */
    const size_t want[4] = {rows * classes, float_type(arg(frame, 1)) >= 0 ? rows * classes : ANY, classes, rows};
    static const int grad_of[1] = {0};
    CHECK_SIZES(want, 0x1, ANY, grad_of);
    size_t n_params;
    const double *params = reals_attr(frame, "params", &n_params);
    XLA_FFI_Buffer *target = arg(frame, 1);
    int64_t *owned = NULL;
    const int64_t *index = NULL;
    const void *values = NULL;
    if (given(frame, 1)) {
        XLA_FFI_Error *error = class_target(api, target, &values, &index, &owned);
        if (error != NULL) return error;
    }
    lk_status status = lk_rowwise(
        (int32_t)int_attr(frame, "loss", -1), params, n_params, dtype, dim(input_buffer, 0),
        dim(input_buffer, 1), input_buffer->data, index, index ? elements(target) : 0, values,
        optional(frame, 2), optional(frame, 3), int_attr(frame, "ignore_index", -100), reduction, loss_out,
        losses, losses ? elements(loss_buffer) : 0, grad_out(frame, 1), NULL);
    free(owned);
    END(status)
}

/* args: input1, input2, input3 (rows, dim; absent ones empty), target (rows), sample_weight.
 * attrs: loss, params, flags, reduction, present.  Results 1..: a gradient per present input. */
static XLA_FFI_Error *embedding(XLA_FFI_CallFrame *frame) {
    BEGIN(frame, 5)
    size_t rows = dim(input_buffer, 0), width = dim(input_buffer, 1);
    const size_t want[5] = {rows * width, rows * width, rows * width, rows, rows};
    static const int grad_of[3] = {0, 1, 2};
    CHECK_SIZES(want, 0x1, rows, grad_of);
    size_t n_params;
    const double *params = reals_attr(frame, "params", &n_params);
    const void *input2 = optional(frame, 1), *input3 = optional(frame, 2);
    lk_status status = lk_embedding(
        (int32_t)int_attr(frame, "loss", -1), params, n_params, (int32_t)int_attr(frame, "flags", 0), dtype,
        dim(input_buffer, 0), dim(input_buffer, 1), input_buffer->data, input2, input3, optional(frame, 3),
        optional(frame, 4), reduction, loss_out, losses, grad_out(frame, 1), input2 ? grad_out(frame, 2) : NULL,
        input3 ? grad_out(frame, 3) : NULL);
    END(status)
}

/* args: input (batch, classes, spatial), target (indices (batch, spatial) or values like
 * input), class_weight, sample_weight.  attrs: loss, params, reduction, present. */
static XLA_FFI_Error *overlap(XLA_FFI_CallFrame *frame) {
    BEGIN(frame, 4)
    size_t batch = dim(input_buffer, 0), classes = dim(input_buffer, 1), spatial = dim(input_buffer, 2);
    const size_t want[4] = {batch * classes * spatial,
                            float_type(arg(frame, 1)) >= 0 ? batch * classes * spatial : batch * spatial, classes,
                            batch};
    static const int grad_of[1] = {0};
    CHECK_SIZES(want, 0x3, batch, grad_of);
    size_t n_params;
    const double *params = reals_attr(frame, "params", &n_params);
    int64_t *owned;
    const int64_t *index;
    const void *values;
    XLA_FFI_Error *error = class_target(api, arg(frame, 1), &values, &index, &owned);
    if (error != NULL) return error;
    lk_status status = lk_overlap(
        (int32_t)int_attr(frame, "loss", -1), params, n_params, dtype, dim(input_buffer, 0),
        dim(input_buffer, 1), dim(input_buffer, 2), input_buffer->data, index, values, optional(frame, 2),
        optional(frame, 3), reduction, loss_out, losses, grad_out(frame, 1), NULL);
    free(owned);
    END(status)
}

/* args: log_probs (frames, batch, classes), targets, input_lengths, target_lengths,
 * sample_weight.  attrs: blank, zero_infinity, target_stride, reduction, present. */
static XLA_FFI_Error *ctc(XLA_FFI_CallFrame *frame) {
    BEGIN(frame, 5)
    size_t batch = dim(input_buffer, 1);
    const size_t want[5] = {elements(input_buffer), ANY, batch, batch, batch};
    static const int grad_of[1] = {0};
    CHECK_SIZES(want, 0xf, batch, grad_of);
    int64_t *owned[3] = {NULL, NULL, NULL};
    const int64_t *ints[3] = {NULL, NULL, NULL};
    static const char *names[3] = {"targets", "input_lengths", "target_lengths"};
    XLA_FFI_Error *error = NULL;
    for (int k = 0; k < 3 && error == NULL; k++) ints[k] = indices(api, arg(frame, 1 + k), &owned[k], &error, names[k]);
    lk_status status = LK_OK;
    if (error == NULL)
        status = lk_ctc(dtype, dim(input_buffer, 0), dim(input_buffer, 1), dim(input_buffer, 2), input_buffer->data,
                        ints[0], elements(arg(frame, 1)), (size_t)int_attr(frame, "target_stride", 0), ints[1],
                        ints[2], int_attr(frame, "blank", 0), (int32_t)int_attr(frame, "zero_infinity", 0),
                        optional(frame, 4), reduction, loss_out, losses, grad_out(frame, 1));
    for (int k = 0; k < 3; k++) free(owned[k]);
    if (error != NULL) return error;
    END(status)
}

/* args: embeddings (n, dim), labels (n).  attrs: temperature, reduction. */
static XLA_FFI_Error *ntxent(XLA_FFI_CallFrame *frame) {
    BEGIN(frame, 2)
    size_t n = dim(input_buffer, 0);
    const size_t want[2] = {elements(input_buffer), n};
    static const int grad_of[1] = {0};
    CHECK_SIZES(want, 0x3, n, grad_of);
    int64_t *owned = NULL;
    XLA_FFI_Error *error = NULL;
    const int64_t *labels = indices(api, arg(frame, 1), &owned, &error, "labels");
    if (labels == NULL) return error;
    lk_status status = lk_ntxent(dtype, dim(input_buffer, 0), dim(input_buffer, 1), input_buffer->data, labels,
                                 real_attr(frame, "temperature", 0.07), reduction, loss_out, losses,
                                 grad_out(frame, 1));
    free(owned);
    END(status)
}

/* ---------------------------------------------------------------------------------------------
 * Module: one capsule per handler, named as the handler's FFI target (without the prefix).
 * ------------------------------------------------------------------------------------------- */

static const struct {
    const char *name;
    XLA_FFI_Handler *handler;
} HANDLERS[] = {
    {"elementwise", elementwise}, {"cross_entropy", cross_entropy}, {"rowwise", rowwise},
    {"embedding", embedding},     {"overlap", overlap},             {"ctc", ctc},
    {"ntxent", ntxent},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "losskit._internal._jax_ffi",
    "XLA FFI handlers over liblosskit.so: a PyCapsule per C ABI driver, for jax.ffi.", -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__jax_ffi(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    for (size_t k = 0; k < sizeof HANDLERS / sizeof HANDLERS[0]; k++) {
        PyObject *capsule = PyCapsule_New((void *)HANDLERS[k].handler, NULL, NULL);
        if (capsule == NULL || PyModule_AddObject(m, HANDLERS[k].name, capsule) != 0) {
            Py_XDECREF(capsule);
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}
