/*
 * losskit._internal._native: the thin CPython shim over liblosskit.so.
 *
 * It takes PEP 3118 buffers (numpy arrays prepared by the Python layer), checks that their
 * element types and lengths agree with what the C ABI will be told, releases the GIL for the
 * call and turns a failing status into an exception carrying the library's message. It
 * allocates nothing itself: the Python layer passes the output arrays in, or (the plain-call
 * fast paths, see "Plain calls" below) its allocator. Built against the limited API, so one
 * abi3 binary serves CPython 3.11 and later.
 */
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x030B0000
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "losskit.h"

/* A buffer argument: an object that may be None, its buffer, and its element count. */
typedef struct {
    const char *name;
    Py_buffer view;
    int held;
    Py_ssize_t count;
} arg_buffer;

static void release(arg_buffer *b) {
    if (b->held) PyBuffer_Release(&b->view);
    b->held = 0;
}

/* Element type of a buffer: LK_FLOAT32, LK_FLOAT64, or -1 for int64 (class indices), -2 other. */
static int buffer_kind(const Py_buffer *view) {
    const char *f = view->format ? view->format : "B";
    if (*f == '@' || *f == '=' || *f == '<') f++;
    if (f[0] != '\0' && f[1] != '\0') return -2;
    switch (f[0]) {
    case 'f': return view->itemsize == 4 ? LK_FLOAT32 : -2;
    case 'd': return view->itemsize == 8 ? LK_FLOAT64 : -2;
    case 'q': case 'l': return view->itemsize == 8 ? -1 : -2;
    default: return -2;
    }
}

/* Acquires `obj`'s buffer (None leaves it empty). `kind` is the element type it must have
 * (LK_FLOAT32/LK_FLOAT64, or -1 for int64); `count` (>= 0) the element count it must have. */
static int acquire(arg_buffer *b, PyObject *obj, int kind, Py_ssize_t count, int writable) {
    b->held = 0;
    b->count = 0;
    if (obj == Py_None) return 0;
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &b->view, flags) != 0) {
        PyErr_Format(PyExc_TypeError, "%s: expected a C-contiguous%s array", b->name,
                     writable ? " writable" : "");
        return -1;
    }
    b->held = 1;
    int actual = buffer_kind(&b->view);
    if (actual != kind) {
        const char *want = kind == LK_FLOAT32 ? "float32" : kind == LK_FLOAT64 ? "float64" : "int64";
        PyErr_Format(PyExc_TypeError, "%s: expected %s elements, got format '%s'", b->name, want,
                     b->view.format ? b->view.format : "B");
        release(b);
        return -1;
    }
    b->count = b->view.len / b->view.itemsize;
    if (count >= 0 && b->count != count) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd elements, got %zd", b->name, count, b->count);
        release(b);
        return -1;
    }
    return 0;
}

static void *ptr(arg_buffer *b) { return b->held ? b->view.buf : NULL; }

/* Raises the exception that matches `status`, with the library's message. */
static PyObject *raise_status(lk_status status) {
    PyObject *type;
    switch (status) {
    case LK_ERR_DTYPE: type = PyExc_TypeError; break;
    case LK_ERR_INDEX: type = PyExc_IndexError; break;
    case LK_ERR_INTERNAL: type = PyExc_RuntimeError; break;
    case LK_ERR_OUT_OF_MEMORY: type = PyExc_MemoryError; break;
    default: type = PyExc_ValueError; break;
    }
    PyErr_SetString(type, lk_last_error());
    return NULL;
}

/* Acquires the `input` buffer, which must hold float32 or float64; its type is the one every
 * other float buffer of the call must share. Returns the type, or -1 with an exception set. */
static int acquire_input(arg_buffer *b, PyObject *obj) {
    b->held = 0;
    if (PyObject_GetBuffer(obj, &b->view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) != 0) {
        PyErr_Format(PyExc_TypeError, "%s: expected a C-contiguous array", b->name);
        return -1;
    }
    b->held = 1;
    int kind = buffer_kind(&b->view);
    if (kind != LK_FLOAT32 && kind != LK_FLOAT64) {
        PyErr_Format(PyExc_TypeError, "%s: expected float32 or float64 elements", b->name);
        release(b);
        return -1;
    }
    b->count = b->view.len / b->view.itemsize;
    return kind;
}

static void release_all(arg_buffer *b, int n) {
    for (int i = 0; i < n; i++) release(&b[i]);
}

/* Element kinds and counts for acquire_all, besides LK_FLOAT32/LK_FLOAT64 and exact counts. */
#define INT64 (-1)      /* class indices, lengths */
#define AS_INPUT (-2)   /* the input's float type */
#define ANY_COUNT (-1)  /* a length the library checks itself */
#define INPUT_COUNT (-2) /* as many elements as the input */

/* Acquires the input (buffer 0, holding `cells` elements unless cells < 0) and then buffers
 * 1..n-1: objs[i] must hold elements of kinds[i] and counts[i] of them; buffers from
 * first_output on must be writable. Returns the input's float type, or -1 with an exception
 * set and nothing held. */
static int acquire_all(arg_buffer *b, PyObject *const *objs, int n, Py_ssize_t cells, const int *kinds,
                       const Py_ssize_t *counts, int first_output) {
    int kind = acquire_input(&b[0], objs[0]);
    if (kind < 0) return -1;
    if (cells >= 0 && b[0].count != cells) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd elements, got %zd", b[0].name, cells, b[0].count);
        release(&b[0]);
        return -1;
    }
    for (int i = 1; i < n; i++) {
        Py_ssize_t count = counts[i] == INPUT_COUNT ? b[0].count : counts[i];
        if (acquire(&b[i], objs[i], kinds[i] == AS_INPUT ? kind : kinds[i], count, i >= first_output) != 0) {
            release_all(b, i);
            return -1;
        }
    }
    return kind;
}

/* Reads argument `i` of a fastcall as a C int / long long / double; -1 with an exception set. */
static int int_arg(PyObject *const *args, int i, long long *out) {
    *out = PyLong_AsLongLong(args[i]);
    return (*out == -1 && PyErr_Occurred()) ? -1 : 0;
}

/* Reads an argument the C ABI takes as int32_t (a loss id, an enumeration, flags), refusing
 * values a cast would silently wrap. */
static int int32_arg(PyObject *const *args, int i, const char *name, long long *out) {
    if (int_arg(args, i, out)) return -1;
    if (*out >= INT32_MIN && *out <= INT32_MAX) return 0;
    PyErr_Format(PyExc_ValueError, "%s: %lld is out of range", name, *out);
    return -1;
}

static int double_arg(PyObject *const *args, int i, double *out) {
    *out = PyFloat_AsDouble(args[i]);
    return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

/* The most parameters one loss takes (the catalogue's largest count is 4). */
#define MAX_PARAMS 8

/* A tuple of numbers as C values (doubles, or integers when `ints` is not NULL). */
static int tuple_values(PyObject *tuple, const char *name, Py_ssize_t max, double *reals, long long *ints,
                        Py_ssize_t *count) {
    if (!PyTuple_Check(tuple)) {
        PyErr_Format(PyExc_TypeError, "%s: expected a tuple", name);
        return -1;
    }
    *count = PyTuple_Size(tuple);
    if (*count > max) {
        PyErr_Format(PyExc_ValueError, "%s: at most %zd values, got %zd", name, max, *count);
        return -1;
    }
    for (Py_ssize_t i = 0; i < *count; i++) {
        PyObject *item = PyTuple_GetItem(tuple, i);
        if (ints) {
            ints[i] = PyLong_AsLongLong(item);
            if (ints[i] == -1 && PyErr_Occurred()) return -1;
        } else {
            reals[i] = PyFloat_AsDouble(item);
            if (reals[i] == -1.0 && PyErr_Occurred()) return -1;
        }
    }
    return 0;
}

static int check_nargs(const char *function, Py_ssize_t nargs, Py_ssize_t expected) {
    if (nargs == expected) return 0;
    PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", function, expected, nargs);
    return -1;
}

/* Releasing the GIL around a library call and taking it back costs about 20 ns on a quiet
 * machine, and more when other threads wait for it: more than an elementwise or cross-entropy
 * call on a few hundred values computes. Such calls below KEEP_GIL_BELOW values keep the GIL
 * (they take at most a few microseconds); larger ones let other Python threads run meanwhile. */
#define KEEP_GIL_BELOW 4096

static PyThreadState *release_gil_for(Py_ssize_t values) { return values < KEEP_GIL_BELOW ? NULL : PyEval_SaveThread(); }
static void retake_gil(PyThreadState *state) {
    if (state) PyEval_RestoreThread(state);
}

/* The result convention of every loss function, in one place for the Python layer (its
 * `arrays.results` is this function) and the shim: the loss alone, or (loss, grad),
 * (loss, hess) or (loss, grad, hess) for the derivatives asked for, None marking one not asked
 * for. A new reference, or NULL. */
static PyObject *make_results(PyObject *loss, PyObject *grad, PyObject *hess) {
    if (hess == Py_None) return grad == Py_None ? Py_NewRef(loss) : PyTuple_Pack(2, loss, grad);
    return grad == Py_None ? PyTuple_Pack(2, loss, hess) : PyTuple_Pack(3, loss, grad, hess);
}

PyDoc_STRVAR(results_doc,
"results(loss, grad, hess) -> loss | tuple\n\n"
"The result convention of every loss function: loss, (loss, grad), (loss, hess) or\n"
"(loss, grad, hess), as grad and hess are None or not.");

static PyObject *results(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (check_nargs("results", nargs, 3)) return NULL;
    return make_results(args[0], args[1], args[2]);
}

/* ---------------------------------------------------------------------------------------------
 * Plain calls: the fast path of the common case (issue 3, small-call overhead).
 *
 * Most calls pass exact numpy arrays that are C-contiguous, native float32 or float64 (class
 * indices: int64) and shaped as the loss expects, with no weights, a reduction name and
 * True/False flags. On a few dozen elements the Python layer's conversions (np.asarray, the
 * dtype rule, attribute access, shape checks) cost several times the computation. A *_plain
 * entry point takes such a call's arguments as the user gave them, decides from the buffers it
 * acquires anyway whether they are plain, allocates the outputs with the Python layer's
 * allocator and makes the very library call the general path would make. For anything that is
 * not plain it returns NotImplemented, raising nothing and holding nothing, and the caller takes
 * its general path, which alone owns every conversion rule and error message.
 * ------------------------------------------------------------------------------------------- */

#define NOT_PLAIN (-3)

/* What the Python layer tells a plain call (`arrays.PLAIN`, a tuple passed on every call, so
 * the shim keeps no state): its array type (numpy.ndarray; subclasses such as masked arrays are
 * not plain), its table of reduction names to codes, its dtype objects for LK_FLOAT32 and
 * LK_FLOAT64, and its output allocators: small_output(shape, dtype) for outputs of fewer than
 * large_bytes bytes, new_output(shape, dtype) (which recycles large outputs) for the others. */
typedef struct {
    PyObject *array_type;
    PyObject *reductions;
    PyObject *dtypes[2];
    PyObject *small_output;
    PyObject *new_output;
    Py_ssize_t large_bytes;
} plain_context;

static int plain_context_arg(PyObject *tuple, plain_context *ctx) {
    int sized = PyTuple_Check(tuple) && PyTuple_Size(tuple) == 6;
    PyObject *dtypes = sized ? PyTuple_GetItem(tuple, 2) : NULL;
    if (!dtypes || !PyTuple_Check(dtypes) || PyTuple_Size(dtypes) != 2) {
        PyErr_SetString(PyExc_TypeError,
                        "plain: expected (array_type, reductions, (float32, float64), small_output, new_output, large_bytes)");
        return -1;
    }
    *ctx = (plain_context){PyTuple_GetItem(tuple, 0), PyTuple_GetItem(tuple, 1),
                           {PyTuple_GetItem(dtypes, LK_FLOAT32), PyTuple_GetItem(dtypes, LK_FLOAT64)},
                           PyTuple_GetItem(tuple, 3), PyTuple_GetItem(tuple, 4),
                           PyLong_AsSsize_t(PyTuple_GetItem(tuple, 5))};
    if (ctx->large_bytes == -1 && PyErr_Occurred()) PyErr_Clear();
    if (PyType_Check(ctx->array_type) && PyDict_Check(ctx->reductions) && PyCallable_Check(ctx->small_output) &&
        PyCallable_Check(ctx->new_output) && ctx->large_bytes >= 0) return 0;
    PyErr_SetString(PyExc_TypeError,
                    "plain: expected an array type, a dict of reductions, two callable allocators and a size >= 0");
    return -1;
}

/* Acquires `obj`'s buffer if `obj` is a plain array: an exact instance of the array type,
 * C-contiguous, of float32, float64 or int64 in native byte order. Returns its kind
 * (LK_FLOAT32, LK_FLOAT64 or INT64), or NOT_PLAIN with nothing held and no exception set. */
static int plain_buffer(arg_buffer *b, PyObject *obj, const plain_context *ctx) {
    b->held = 0;
    b->count = 0;
    if ((PyObject *)Py_TYPE(obj) != ctx->array_type) return NOT_PLAIN;
    /* Strides, not PyBUF_C_CONTIGUOUS: numpy refuses a strided array with an exception, which
     * costs more than the check below. */
    if (PyObject_GetBuffer(obj, &b->view, PyBUF_RECORDS_RO) != 0) {
        PyErr_Clear(); /* a dtype the buffer protocol cannot describe, e.g. datetime64 */
        return NOT_PLAIN;
    }
    b->held = 1;
    int kind = buffer_kind(&b->view);
    if (kind == -2 || !PyBuffer_IsContiguous(&b->view, 'C')) {
        release(b);
        return NOT_PLAIN;
    }
    b->count = b->view.len / b->view.itemsize;
    return kind;
}

static int same_shape(const Py_buffer *a, const Py_buffer *b) {
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

/* The code of a reduction name in the table, or -1 if `name` is not an exact str in it. */
static int plain_reduction(PyObject *name, const plain_context *ctx) {
    if (!PyUnicode_CheckExact(name)) return -1;
    PyObject *code = PyDict_GetItemWithError(ctx->reductions, name); /* borrowed */
    long value = code ? PyLong_AsLong(code) : -1;
    if (value < 0 || value > INT32_MAX) {
        PyErr_Clear();
        return -1;
    }
    return (int)value;
}

/* True or False as 1 or 0; -1 for anything else (numpy booleans take the general path). */
static int plain_flag(PyObject *obj) { return obj == Py_True ? 1 : obj == Py_False ? 0 : -1; }

/* An exact float, or an exact int that fits a double, as the double `as_real` makes of it.
 * Returns 1, or 0 for anything else (no exception set). */
static int plain_real(PyObject *obj, double *out) {
    if (PyFloat_CheckExact(obj)) {
        *out = PyFloat_AsDouble(obj);
        return 1;
    }
    if (!PyLong_CheckExact(obj)) return 0;
    *out = PyLong_AsDouble(obj); /* correctly rounded, as float(int) */
    if (*out == -1.0 && PyErr_Occurred()) {
        PyErr_Clear(); /* too large: `as_real` makes it ±inf, which the library refuses */
        return 0;
    }
    return 1;
}

/* An exact int in the int64 range. Returns 1, or 0 for anything else (no exception set). */
static int plain_int64(PyObject *obj, long long *out) {
    if (!PyLong_CheckExact(obj)) return 0;
    *out = PyLong_AsLongLong(obj);
    if (*out == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    return 1;
}

/* The values of a list or tuple of (name, value) pairs, if every value is plain (plain_real)
 * and there are at most `max`. Returns 1, or 0 for anything else (no exception set). */
static int plain_params(PyObject *pairs, Py_ssize_t max, double *values, Py_ssize_t *count) {
    int list = PyList_CheckExact(pairs);
    if (!list && !PyTuple_CheckExact(pairs)) return 0;
    *count = list ? PyList_Size(pairs) : PyTuple_Size(pairs);
    if (*count > max) return 0;
    for (Py_ssize_t i = 0; i < *count; i++) {
        PyObject *pair = list ? PyList_GetItem(pairs, i) : PyTuple_GetItem(pairs, i);
        if (!PyTuple_CheckExact(pair) || PyTuple_Size(pair) != 2 || !plain_real(PyTuple_GetItem(pair, 1), &values[i]))
            return 0;
    }
    return 1;
}

/* One output of a plain call: the array (a new reference, or NULL when not asked for) and its
 * buffer. */
typedef struct {
    PyObject *array;
    arg_buffer b;
} plain_output;

/* The shape of an array from the first `ndim` extents of its buffer, as a tuple. */
static PyObject *shape_tuple(const Py_buffer *view, int ndim) {
    PyObject *shape = PyTuple_New(ndim);
    for (int i = 0; shape && i < ndim; i++) {
        PyObject *extent = PyLong_FromSsize_t(view->shape[i]);
        if (!extent || PyTuple_SetItem(shape, i, extent) != 0) Py_CLEAR(shape);
    }
    return shape;
}

/* Allocates output `o` if `wanted`, as small_output(shape, dtype) or new_output(shape, dtype) by
 * its size (see plain_context), and acquires its buffer, which must be writable and hold `count`
 * elements of `kind`. Returns 0, or -1 with an exception set and nothing held. */
static int new_plain_output(plain_output *o, int wanted, const plain_context *ctx, PyObject *shape,
                            PyObject *dtype, int kind, Py_ssize_t count) {
    if (!wanted) return 0;
    Py_ssize_t itemsize = kind == LK_FLOAT32 ? 4 : 8;
    PyObject *allocate = count >= (ctx->large_bytes + itemsize - 1) / itemsize ? ctx->new_output : ctx->small_output;
    o->array = PyObject_CallFunctionObjArgs(allocate, shape, dtype, NULL);
    if (o->array && acquire(&o->b, o->array, kind, count, 1) == 0) return 0;
    Py_CLEAR(o->array);
    return -1;
}

static void *output_ptr(plain_output *o) { return ptr(&o->b); }
static PyObject *output_or_none(plain_output *o) { return o->array ? o->array : Py_None; }

static void drop_outputs(plain_output *o, int n) {
    for (int i = 0; i < n; i++) {
        release(&o[i].b);
        Py_CLEAR(o[i].array);
    }
}

enum { OUT_LOSSES, OUT_GRAD, OUT_HESS, N_OUTPUTS };

/* The outputs of a plain call as asked for: losses for reduction 'none' (`n_losses` of them,
 * shaped as the first `losses_ndim` extents of `like`), gradient and Hessian (shaped as `like`),
 * all holding elements of `kind`, like `like`. Returns 0, or -1 with an exception set and nothing
 * held. */
static int new_plain_outputs(plain_output *o, const plain_context *ctx, const arg_buffer *like, int kind,
                             int losses_ndim, Py_ssize_t n_losses, int reduction, int grad, int hess) {
    static const char *names[N_OUTPUTS] = {"losses", "grad", "hess"};
    for (int i = 0; i < N_OUTPUTS; i++) o[i] = (plain_output){NULL, {names[i]}};
    if (reduction != LK_REDUCTION_NONE && !grad && !hess) return 0;
    PyObject *dtype = ctx->dtypes[kind];
    PyObject *shape = shape_tuple(&like->view, like->view.ndim);
    PyObject *losses_shape = shape && reduction == LK_REDUCTION_NONE ? shape_tuple(&like->view, losses_ndim) : NULL;
    int failed = !shape || (reduction == LK_REDUCTION_NONE && !losses_shape) ||
             new_plain_output(&o[OUT_LOSSES], reduction == LK_REDUCTION_NONE, ctx, losses_shape, dtype, kind, n_losses) ||
             new_plain_output(&o[OUT_GRAD], grad, ctx, shape, dtype, kind, like->count) ||
             new_plain_output(&o[OUT_HESS], hess, ctx, shape, dtype, kind, like->count);
    Py_XDECREF(shape);
    Py_XDECREF(losses_shape);
    if (failed) drop_outputs(o, N_OUTPUTS);
    return failed ? -1 : 0;
}

/* Releases the outputs' buffers and returns the call's result (make_results), or raises the
 * library's error. */
static PyObject *plain_results(plain_output *o, lk_status status, int reduction, double loss) {
    for (int i = 0; i < N_OUTPUTS; i++) release(&o[i].b);
    PyObject *result = NULL;
    if (status != LK_OK) {
        raise_status(status);
    } else {
        PyObject *value = reduction == LK_REDUCTION_NONE ? Py_NewRef(o[OUT_LOSSES].array) : PyFloat_FromDouble(loss);
        if (value) result = make_results(value, output_or_none(&o[OUT_GRAD]), output_or_none(&o[OUT_HESS]));
        Py_XDECREF(value);
    }
    drop_outputs(o, N_OUTPUTS);
    return result;
}

PyDoc_STRVAR(elementwise_plain_doc,
"elementwise_plain(loss_id, params, input, target, reduction, grad, hess, plain)\n"
"    -> loss | tuple | NotImplemented\n\n"
"The fast path of a plain elementwise call (no weight, sample weight or column). plain is\n"
"(array_type, reductions, (float32, float64), small_output, new_output, large_bytes). Plain\n"
"arguments: input and target exact array_type instances, C-contiguous, of one shape and one\n"
"native float32 or float64 type; params a list or tuple of (name, value) pairs with float or\n"
"int values; reduction a str key of reductions (a dict of names to codes); grad and hess True\n"
"or False. Calls lk_elementwise with outputs from small_output(shape, dtype), or from\n"
"new_output(shape, dtype) for outputs of large_bytes bytes or more, and returns\n"
"results(loss, grad, hess). Returns NotImplemented, raising nothing, when an argument is not\n"
"plain.");

static PyObject *elementwise_plain(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    long long loss_id;
    plain_context ctx;
    if (check_nargs("elementwise_plain", nargs, 8) || int32_arg(args, 0, "loss_id", &loss_id) ||
        plain_context_arg(args[7], &ctx))
        return NULL;
    double values[MAX_PARAMS];
    Py_ssize_t n_params;
    int reduction = plain_reduction(args[4], &ctx), grad = plain_flag(args[5]), hess = plain_flag(args[6]);
    if (reduction < 0 || grad < 0 || hess < 0 || !plain_params(args[1], MAX_PARAMS, values, &n_params))
        Py_RETURN_NOTIMPLEMENTED;
    arg_buffer input = {"input"}, target = {"target"};
    int kind = plain_buffer(&input, args[2], &ctx);
    if ((kind != LK_FLOAT32 && kind != LK_FLOAT64) || plain_buffer(&target, args[3], &ctx) != kind ||
        !same_shape(&input.view, &target.view)) {
        release(&input);
        release(&target);
        Py_RETURN_NOTIMPLEMENTED;
    }
    Py_ssize_t n = input.count;
    plain_output out[N_OUTPUTS];
    if (new_plain_outputs(out, &ctx, &input, kind, input.view.ndim, n, reduction, grad, hess) != 0) {
        release(&input);
        release(&target);
        return NULL;
    }
    double loss = 0.0;
    PyThreadState *unlocked = release_gil_for(n);
    lk_status status = lk_elementwise((int32_t)loss_id, values, (size_t)n_params, kind, (size_t)n, input.view.buf,
                            target.view.buf, NULL, 0, LK_WEIGHTING_NORMALIZED, NULL, 0, (lk_reduction)reduction,
                            &loss, output_ptr(&out[OUT_LOSSES]), output_ptr(&out[OUT_GRAD]),
                            output_ptr(&out[OUT_HESS]));
    retake_gil(unlocked);
    release(&input);
    release(&target);
    return plain_results(out, status, reduction, loss);
}

PyDoc_STRVAR(cross_entropy_plain_doc,
"cross_entropy_plain(input, target, ignore_index, label_smoothing, reduction, grad, hess, plain)\n"
"    -> loss | tuple | NotImplemented\n\n"
"The fast path of a plain cross-entropy call (no weight or sample weight), plain as for\n"
"elementwise_plain. Plain arguments: input an exact array_type instance, C-contiguous, native\n"
"float32 or float64, of shape (C,) or (N, C); target such an array of int64 class indices, shape\n"
"() or (N,), or of probabilities like input; ignore_index an int, label_smoothing a float or\n"
"int, reduction a str key of reductions, grad and hess True or False. Calls lk_cross_entropy\n"
"with outputs allocated as by elementwise_plain and returns results(loss, grad, hess).\n"
"Returns NotImplemented, raising nothing, when an argument is not plain.");

static PyObject *cross_entropy_plain(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    plain_context ctx;
    if (check_nargs("cross_entropy_plain", nargs, 8) || plain_context_arg(args[7], &ctx)) return NULL;
    long long ignore_index;
    double label_smoothing;
    int reduction = plain_reduction(args[4], &ctx), grad = plain_flag(args[5]), hess = plain_flag(args[6]);
    if (reduction < 0 || grad < 0 || hess < 0 || !plain_int64(args[2], &ignore_index) ||
        !plain_real(args[3], &label_smoothing))
        Py_RETURN_NOTIMPLEMENTED;
    arg_buffer input = {"input"}, target = {"target"};
    int kind = plain_buffer(&input, args[0], &ctx);
    int ndim = input.held ? input.view.ndim : 0;
    if ((kind != LK_FLOAT32 && kind != LK_FLOAT64) || ndim < 1 || ndim > 2) {
        release(&input);
        Py_RETURN_NOTIMPLEMENTED;
    }
    /* (C,) is one unbatched row, (N, C) N rows: the kernel's layout already. */
    Py_ssize_t classes = input.view.shape[ndim - 1], rows = ndim == 2 ? input.view.shape[0] : 1;
    int target_kind = plain_buffer(&target, args[1], &ctx);
    int index = target_kind == INT64 && target.view.ndim == ndim - 1 && (ndim == 1 || target.view.shape[0] == rows);
    int probability = target_kind == kind && same_shape(&input.view, &target.view);
    if (!index && !probability) {
        release(&input);
        release(&target);
        Py_RETURN_NOTIMPLEMENTED;
    }
    plain_output out[N_OUTPUTS];
    if (new_plain_outputs(out, &ctx, &input, kind, ndim - 1, rows, reduction, grad, hess) != 0) {
        release(&input);
        release(&target);
        return NULL;
    }
    double loss = 0.0;
    PyThreadState *unlocked = release_gil_for(input.count);
    lk_status status = lk_cross_entropy(kind, (size_t)rows, (size_t)classes, input.view.buf, index ? target.view.buf : NULL,
                              probability ? target.view.buf : NULL, NULL, NULL, (int64_t)ignore_index,
                              label_smoothing, (lk_reduction)reduction, &loss, output_ptr(&out[OUT_LOSSES]),
                              output_ptr(&out[OUT_GRAD]), output_ptr(&out[OUT_HESS]));
    retake_gil(unlocked);
    release(&input);
    release(&target);
    return plain_results(out, status, reduction, loss);
}

#define N_ELEMENTWISE_BUFFERS 8

PyDoc_STRVAR(elementwise_doc,
"elementwise(loss_id, params, input, target, weight, weighting, column, reduction, losses, grad, hess,\n"
"            [needs_loss | param_grad, column_grad]) -> float or None\n\n"
"Calls lk_elementwise, or lk_elementwise_param_grad when param_grad or column_grad is given.\n"
"Arrays are C-contiguous float32 or float64 (all the same type) except param_grad, a float64\n"
"array of len(params); weight, column, losses, grad, hess, param_grad and column_grad may be\n"
"None. Returns the reduced loss; with needs_loss False (and a reduction other than 'none') the\n"
"kernel computes the derivatives only and None is returned.");

static PyObject *elementwise(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    long long loss_id, weighting, reduction;
    if (nargs < 11 || nargs > 13) {
        PyErr_Format(PyExc_TypeError, "elementwise() takes 11 to 13 arguments (%zd given)", nargs);
        return NULL;
    }
    int needs_loss = nargs == 12 ? PyObject_IsTrue(args[11]) : 1;
    if (needs_loss < 0) return NULL;
    if (int32_arg(args, 0, "loss_id", &loss_id) || int32_arg(args, 5, "weighting", &weighting) || int32_arg(args, 7, "reduction", &reduction)) return NULL;
    double values[MAX_PARAMS];
    Py_ssize_t n_params;
    if (tuple_values(args[1], "params", MAX_PARAMS, values, NULL, &n_params)) return NULL;

    /* input, target, weight, column, losses, grad, hess, column_grad */
    PyObject *objs[N_ELEMENTWISE_BUFFERS] = {args[2], args[3], args[4],  args[6],
                                             args[8], args[9], args[10], nargs == 13 ? args[12] : Py_None};
    PyObject *param_grad_obj = nargs == 13 ? args[11] : Py_None;
    arg_buffer b[N_ELEMENTWISE_BUFFERS] = {
        {"input"}, {"target"}, {"weight"}, {"column"}, {"losses"}, {"grad"}, {"hess"}, {"column_grad"}};
    /* weight and column have their own lengths, which the C layer checks against n. */
    const int kinds[N_ELEMENTWISE_BUFFERS] = {AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT,
                                              AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT};
    const Py_ssize_t counts[N_ELEMENTWISE_BUFFERS] = {ANY_COUNT,   INPUT_COUNT, ANY_COUNT,   ANY_COUNT,
                                                      INPUT_COUNT, INPUT_COUNT, INPUT_COUNT, INPUT_COUNT};
    int kind = acquire_all(b, objs, N_ELEMENTWISE_BUFFERS, -1, kinds, counts, 4);
    if (kind < 0) return NULL;
    Py_ssize_t n = b[0].count;
    arg_buffer param_grad = {"param_grad"};
    if (acquire(&param_grad, param_grad_obj, LK_FLOAT64, n_params, 1) != 0) {
        release_all(b, N_ELEMENTWISE_BUFFERS);
        return NULL;
    }

    double loss = 0.0;
    lk_status status;
    PyThreadState *unlocked = release_gil_for(n);
    if (param_grad.held || b[7].held)
        status = lk_elementwise_param_grad(
            (int32_t)loss_id, values, (size_t)n_params, kind, (size_t)n, ptr(&b[0]), ptr(&b[1]), ptr(&b[2]),
            (size_t)b[2].count, (lk_weighting)weighting, ptr(&b[3]), (size_t)b[3].count,
            (lk_reduction)reduction, &loss, ptr(&b[4]), ptr(&b[5]), ptr(&b[6]), ptr(&param_grad), ptr(&b[7]));
    else
        status = lk_elementwise((int32_t)loss_id, values, (size_t)n_params, kind, (size_t)n, ptr(&b[0]),
                                ptr(&b[1]), ptr(&b[2]), (size_t)b[2].count, (lk_weighting)weighting, ptr(&b[3]),
                                (size_t)b[3].count, (lk_reduction)reduction, needs_loss ? &loss : NULL,
                                ptr(&b[4]), ptr(&b[5]), ptr(&b[6]));
    retake_gil(unlocked);
    release_all(b, N_ELEMENTWISE_BUFFERS);
    release(&param_grad);
    if (status != LK_OK) return raise_status(status);
    if (!needs_loss) Py_RETURN_NONE;
    return PyFloat_FromDouble(loss);
}

#define N_CE_BUFFERS 8

PyDoc_STRVAR(cross_entropy_doc,
"cross_entropy(rows, classes, logits, target_index, target_prob, class_weight, sample_weight,\n"
"              ignore_index, label_smoothing, reduction, losses, grad, hess) -> float\n\n"
"Calls lk_cross_entropy. logits is (rows * classes) float32 or float64; target_index int64 (rows)\n"
"or None; target_prob like logits or None; the rest may be None. Returns the reduced loss.");

static PyObject *cross_entropy(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    long long rows, classes, ignore_index, reduction;
    double label_smoothing;
    if (check_nargs("cross_entropy", nargs, 13) || int_arg(args, 0, &rows) || int_arg(args, 1, &classes) ||
        int_arg(args, 7, &ignore_index) || double_arg(args, 8, &label_smoothing) || int32_arg(args, 9, "reduction", &reduction))
        return NULL;
    if (rows < 0 || classes < 0) return PyErr_Format(PyExc_ValueError, "rows and classes must be >= 0");
    if (classes > 0 && rows > PY_SSIZE_T_MAX / classes)
        return PyErr_Format(PyExc_ValueError, "rows * classes overflows");

    Py_ssize_t cells = (Py_ssize_t)(rows * classes);
    /* logits, target index, target probabilities, class weight, sample weight, losses, grad, hess */
    PyObject *objs[N_CE_BUFFERS] = {args[2], args[3], args[4], args[5], args[6], args[10], args[11], args[12]};
    arg_buffer b[N_CE_BUFFERS] = {{"input"},  {"target"}, {"target"}, {"weight"},
                                  {"sample_weight"}, {"losses"}, {"grad"}, {"hess"}};
    const int kinds[N_CE_BUFFERS] = {AS_INPUT, INT64, AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT};
    const Py_ssize_t counts[N_CE_BUFFERS] = {cells, (Py_ssize_t)rows, cells, (Py_ssize_t)classes,
                                             (Py_ssize_t)rows, (Py_ssize_t)rows, cells, cells};
    int kind = acquire_all(b, objs, N_CE_BUFFERS, cells, kinds, counts, 5);
    if (kind < 0) return NULL;

    double loss = 0.0;
    PyThreadState *unlocked = release_gil_for(cells);
    lk_status status = lk_cross_entropy(kind, (size_t)rows, (size_t)classes, ptr(&b[0]), ptr(&b[1]), ptr(&b[2]),
                              ptr(&b[3]), ptr(&b[4]), (int64_t)ignore_index, label_smoothing,
                              (lk_reduction)reduction, &loss, ptr(&b[5]), ptr(&b[6]), ptr(&b[7]));
    retake_gil(unlocked);
    release_all(b, N_CE_BUFFERS);
    if (status != LK_OK) return raise_status(status);
    return PyFloat_FromDouble(loss);
}

#define N_ROWWISE_BUFFERS 8

PyDoc_STRVAR(rowwise_doc,
"rowwise(loss_id, params, rows, classes, input, target_index, target_values, class_weight,\n"
"        sample_weight, ignore_index, reduction, losses, grad, hess) -> float\n\n"
"Calls lk_rowwise. input is (rows * classes) float32 or float64; target_index int64 or None\n"
"(its length is passed on and checked by the library); target_values, class_weight (classes),\n"
"sample_weight (rows), losses (rows, or rows * classes for per-element losses), grad and hess\n"
"(rows * classes) are of input's type or None. Returns the reduced loss.");

static PyObject *rowwise(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    long long loss_id, rows, classes, ignore_index, reduction;
    if (check_nargs("rowwise", nargs, 14) || int32_arg(args, 0, "loss_id", &loss_id) || int_arg(args, 2, &rows) ||
        int_arg(args, 3, &classes) || int_arg(args, 9, &ignore_index) || int32_arg(args, 10, "reduction", &reduction))
        return NULL;
    double values[MAX_PARAMS];
    Py_ssize_t n_params;
    if (tuple_values(args[1], "params", MAX_PARAMS, values, NULL, &n_params)) return NULL;
    if (rows < 0 || classes < 0) return PyErr_Format(PyExc_ValueError, "rows and classes must be >= 0");
    if (classes > 0 && rows > PY_SSIZE_T_MAX / classes)
        return PyErr_Format(PyExc_ValueError, "rows * classes overflows");
    Py_ssize_t cells = (Py_ssize_t)(rows * classes);

    /* input, target index, target values, class weight, sample weight, losses, grad, hess */
    PyObject *objs[N_ROWWISE_BUFFERS] = {args[4], args[5], args[6], args[7], args[8], args[11], args[12], args[13]};
    arg_buffer b[N_ROWWISE_BUFFERS] = {{"input"}, {"target"}, {"target"}, {"weight"},
                                       {"sample_weight"}, {"losses"}, {"grad"}, {"hess"}};
    /* The lengths of target_index and losses depend on the loss: they are passed on, and the
     * library checks them. */
    const int kinds[N_ROWWISE_BUFFERS] = {AS_INPUT, INT64, AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT};
    const Py_ssize_t counts[N_ROWWISE_BUFFERS] = {cells, ANY_COUNT, cells, (Py_ssize_t)classes,
                                                  (Py_ssize_t)rows, ANY_COUNT, cells, cells};
    int kind = acquire_all(b, objs, N_ROWWISE_BUFFERS, cells, kinds, counts, 5);
    if (kind < 0) return NULL;

    double loss = 0.0;
    lk_status status;
    Py_BEGIN_ALLOW_THREADS
    status = lk_rowwise((int32_t)loss_id, values, (size_t)n_params, kind, (size_t)rows, (size_t)classes,
                        ptr(&b[0]), ptr(&b[1]), (size_t)b[1].count, ptr(&b[2]), ptr(&b[3]), ptr(&b[4]),
                        (int64_t)ignore_index, (lk_reduction)reduction, &loss, ptr(&b[5]), (size_t)b[5].count, ptr(&b[6]),
                        ptr(&b[7]));
    Py_END_ALLOW_THREADS
    release_all(b, N_ROWWISE_BUFFERS);
    if (status != LK_OK) return raise_status(status);
    return PyFloat_FromDouble(loss);
}

#define N_HYBRID_BUFFERS 8
#define MAX_HYBRID_PARTS 64
#define MAX_HYBRID_PARAMS 512

PyDoc_STRVAR(hybrid_doc,
"hybrid(loss_ids, weights, params, n_params, rows, classes, input, target_index, target_values,\n"
"       sample_weight, ignore_index, reduction, losses, part_losses, grad, hess) -> (float, tuple)\n\n"
"Calls lk_hybrid. loss_ids, weights and n_params are tuples of one value per part; params is\n"
"a tuple of every part's parameters, concatenated. input is (rows * classes) float32 or float64;\n"
"target_index int64 or None (its length is passed on and checked by the library); target_values\n"
"(rows * classes), sample_weight (rows), grad and hess (rows * classes) of input's type or None;\n"
"losses and part_losses (n_parts * the length of losses) for reduction 'none', or None.\n"
"Returns the total and a tuple of each part's value.");

static PyObject *hybrid(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    long long rows, classes, ignore_index, reduction;
    if (check_nargs("hybrid", nargs, 16) || int_arg(args, 4, &rows) || int_arg(args, 5, &classes) ||
        int_arg(args, 10, &ignore_index) || int32_arg(args, 11, "reduction", &reduction))
        return NULL;
    long long ids[MAX_HYBRID_PARTS], counts_ll[MAX_HYBRID_PARTS];
    double weights[MAX_HYBRID_PARTS], values[MAX_HYBRID_PARAMS];
    Py_ssize_t n_parts, n_weights, n_counts, n_values;
    if (tuple_values(args[0], "loss_ids", MAX_HYBRID_PARTS, NULL, ids, &n_parts) ||
        tuple_values(args[1], "weights", MAX_HYBRID_PARTS, weights, NULL, &n_weights) ||
        tuple_values(args[2], "params", MAX_HYBRID_PARAMS, values, NULL, &n_values) ||
        tuple_values(args[3], "n_params", MAX_HYBRID_PARTS, NULL, counts_ll, &n_counts))
        return NULL;
    if (n_weights != n_parts || n_counts != n_parts)
        return PyErr_Format(PyExc_ValueError, "loss_ids, weights and n_params must have one value per part");
    int32_t loss_ids[MAX_HYBRID_PARTS];
    size_t n_params[MAX_HYBRID_PARTS];
    long long total_params = 0;
    for (Py_ssize_t k = 0; k < n_parts; k++) {
        if (ids[k] < INT32_MIN || ids[k] > INT32_MAX) return PyErr_Format(PyExc_ValueError, "loss_id out of range");
        if (counts_ll[k] < 0 || counts_ll[k] > MAX_HYBRID_PARAMS)
            return PyErr_Format(PyExc_ValueError, "n_params out of range");
        loss_ids[k] = (int32_t)ids[k];
        n_params[k] = (size_t)counts_ll[k];
        total_params += counts_ll[k];
    }
    if (total_params != n_values) return PyErr_Format(PyExc_ValueError, "params: expected %lld values, got %zd",
                                                      total_params, n_values);
    if (rows < 0 || classes < 0) return PyErr_Format(PyExc_ValueError, "rows and classes must be >= 0");
    if (classes > 0 && rows > PY_SSIZE_T_MAX / classes)
        return PyErr_Format(PyExc_ValueError, "rows * classes overflows");
    Py_ssize_t cells = (Py_ssize_t)(rows * classes);

    /* input, target index, target values, sample weight, losses, part losses, grad, hess */
    PyObject *objs[N_HYBRID_BUFFERS] = {args[6], args[7], args[8], args[9], args[12], args[13], args[14], args[15]};
    arg_buffer b[N_HYBRID_BUFFERS] = {{"input"}, {"target"}, {"target"}, {"sample_weight"},
                                      {"losses"}, {"part_losses"}, {"grad"}, {"hess"}};
    /* The lengths of target_index and losses depend on the parts: the library checks them. */
    const int kinds[N_HYBRID_BUFFERS] = {AS_INPUT, INT64, AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT};
    const Py_ssize_t counts[N_HYBRID_BUFFERS] = {cells, ANY_COUNT, cells, (Py_ssize_t)rows,
                                                 ANY_COUNT, ANY_COUNT, cells, cells};
    int kind = acquire_all(b, objs, N_HYBRID_BUFFERS, cells, kinds, counts, 4);
    if (kind < 0) return NULL;
    Py_ssize_t n_losses = b[4].held ? b[4].count : (b[5].held && n_parts > 0 ? b[5].count / n_parts : 0);
    if (b[4].held && b[5].held && b[5].count != n_losses * n_parts) {
        release_all(b, N_HYBRID_BUFFERS);
        return PyErr_Format(PyExc_ValueError, "part_losses: expected %zd elements, got %zd", n_losses * n_parts,
                            b[5].count);
    }

    double loss = 0.0, parts[MAX_HYBRID_PARTS];
    lk_status status;
    Py_BEGIN_ALLOW_THREADS
    status = lk_hybrid((size_t)n_parts, loss_ids, weights, values, n_params, kind, (size_t)rows, (size_t)classes,
                       ptr(&b[0]), ptr(&b[1]), (size_t)b[1].count, ptr(&b[2]), ptr(&b[3]), (int64_t)ignore_index,
                       (lk_reduction)reduction, &loss, parts, ptr(&b[4]), (size_t)n_losses, ptr(&b[5]),
                       ptr(&b[6]), ptr(&b[7]));
    Py_END_ALLOW_THREADS
    release_all(b, N_HYBRID_BUFFERS);
    if (status != LK_OK) return raise_status(status);
    PyObject *values_out = PyTuple_New(n_parts);
    if (!values_out) return NULL;
    for (Py_ssize_t k = 0; k < n_parts; k++) {
        PyObject *v = PyFloat_FromDouble(parts[k]);
        if (!v) {
            Py_DECREF(values_out);
            return NULL;
        }
        PyTuple_SetItem(values_out, k, v);
    }
    return Py_BuildValue("(dN)", loss, values_out);
}

#define N_EMB_BUFFERS 9

PyDoc_STRVAR(embedding_doc,
"embedding(loss_id, params, flags, rows, dim, input1, input2, input3, target, sample_weight,\n"
"          reduction, losses, grad1, grad2, grad3) -> float\n\n"
"Calls lk_embedding. input1 is (rows * dim) float32 or float64; input2/input3 like it or None;\n"
"target and sample_weight (rows) or None; losses (rows) and grads (rows * dim) or None.");

static PyObject *embedding(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    long long loss_id, flags, rows, dim, reduction;
    if (check_nargs("embedding", nargs, 15) || int32_arg(args, 0, "loss_id", &loss_id) || int32_arg(args, 2, "flags", &flags) ||
        int_arg(args, 3, &rows) || int_arg(args, 4, &dim) || int32_arg(args, 10, "reduction", &reduction))
        return NULL;
    if (rows < 0 || dim < 0) return PyErr_Format(PyExc_ValueError, "rows and dim must be >= 0");
    if (dim > 0 && rows > PY_SSIZE_T_MAX / dim) return PyErr_Format(PyExc_ValueError, "rows * dim overflows");
    double values[MAX_PARAMS];
    Py_ssize_t n_params;
    if (tuple_values(args[1], "params", MAX_PARAMS, values, NULL, &n_params)) return NULL;
    Py_ssize_t cells = (Py_ssize_t)(rows * dim);
    /* input1, input2, input3, target, sample_weight, losses, grad1, grad2, grad3 */
    PyObject *objs[N_EMB_BUFFERS] = {args[5], args[6], args[7], args[8], args[9], args[11], args[12], args[13], args[14]};
    arg_buffer b[N_EMB_BUFFERS] = {{"input1"}, {"input2"}, {"input3"}, {"target"}, {"sample_weight"},
                                   {"losses"}, {"grad1"}, {"grad2"}, {"grad3"}};
    const int kinds[N_EMB_BUFFERS] = {AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT,
                                      AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT};
    const Py_ssize_t counts[N_EMB_BUFFERS] = {cells, cells, cells, (Py_ssize_t)rows, (Py_ssize_t)rows,
                                              (Py_ssize_t)rows, cells, cells, cells};
    int kind = acquire_all(b, objs, N_EMB_BUFFERS, cells, kinds, counts, 5);
    if (kind < 0) return NULL;
    double loss = 0.0;
    lk_status status;
    Py_BEGIN_ALLOW_THREADS
    status = lk_embedding((int32_t)loss_id, values, (size_t)n_params, (int32_t)flags, kind, (size_t)rows,
                          (size_t)dim, ptr(&b[0]), ptr(&b[1]), ptr(&b[2]), ptr(&b[3]), ptr(&b[4]),
                          (lk_reduction)reduction, &loss, ptr(&b[5]), ptr(&b[6]), ptr(&b[7]), ptr(&b[8]));
    Py_END_ALLOW_THREADS
    release_all(b, N_EMB_BUFFERS);
    if (status != LK_OK) return raise_status(status);
    return PyFloat_FromDouble(loss);
}

#define N_NTXENT_BUFFERS 4

PyDoc_STRVAR(ntxent_doc,
"ntxent(n, dim, embeddings, labels, temperature, reduction, losses, grad) -> float\n\n"
"Calls lk_ntxent. embeddings is (n * dim) float32 or float64, labels int64 (n); losses (n) and\n"
"grad (n * dim) or None.");

static PyObject *ntxent(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    long long n, dim, reduction;
    double temperature;
    if (check_nargs("ntxent", nargs, 8) || int_arg(args, 0, &n) || int_arg(args, 1, &dim) ||
        double_arg(args, 4, &temperature) || int32_arg(args, 5, "reduction", &reduction))
        return NULL;
    if (n < 0 || dim < 0) return PyErr_Format(PyExc_ValueError, "n and dim must be >= 0");
    if (dim > 0 && n > PY_SSIZE_T_MAX / dim) return PyErr_Format(PyExc_ValueError, "n * dim overflows");
    Py_ssize_t cells = (Py_ssize_t)(n * dim);
    PyObject *objs[N_NTXENT_BUFFERS] = {args[2], args[3], args[6], args[7]};
    arg_buffer b[N_NTXENT_BUFFERS] = {{"embeddings"}, {"labels"}, {"losses"}, {"grad"}};
    const int kinds[N_NTXENT_BUFFERS] = {AS_INPUT, INT64, AS_INPUT, AS_INPUT};
    const Py_ssize_t counts[N_NTXENT_BUFFERS] = {cells, (Py_ssize_t)n, (Py_ssize_t)n, cells};
    int kind = acquire_all(b, objs, N_NTXENT_BUFFERS, cells, kinds, counts, 2);
    if (kind < 0) return NULL;
    double loss = 0.0;
    lk_status status;
    Py_BEGIN_ALLOW_THREADS
    status = lk_ntxent(kind, (size_t)n, (size_t)dim, ptr(&b[0]), ptr(&b[1]), temperature,
                       (lk_reduction)reduction, &loss, ptr(&b[2]), ptr(&b[3]));
    Py_END_ALLOW_THREADS
    release_all(b, N_NTXENT_BUFFERS);
    if (status != LK_OK) return raise_status(status);
    return PyFloat_FromDouble(loss);
}

#define N_CTC_BUFFERS 7

PyDoc_STRVAR(ctc_doc,
"ctc(frames, batch, classes, log_probs, targets, target_stride, input_lengths, target_lengths,\n"
"    blank, zero_infinity, sample_weight, reduction, losses, grad) -> float\n\n"
"Calls lk_ctc. log_probs is (frames * batch * classes) float32 or float64; targets, input_lengths\n"
"and target_lengths int64; sample_weight (batch), losses (batch) and grad like log_probs or None.");

static PyObject *ctc(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    long long frames, batch, classes, stride, blank, zero_infinity, reduction;
    if (check_nargs("ctc", nargs, 14) || int_arg(args, 0, &frames) || int_arg(args, 1, &batch) ||
        int_arg(args, 2, &classes) || int_arg(args, 5, &stride) || int_arg(args, 8, &blank) ||
        int32_arg(args, 9, "zero_infinity", &zero_infinity) || int32_arg(args, 11, "reduction", &reduction))
        return NULL;
    if (frames < 0 || batch < 0 || classes < 0 || stride < 0)
        return PyErr_Format(PyExc_ValueError, "frames, batch, classes and target_stride must be >= 0");
    if (classes > 0 && batch > 0 && frames > PY_SSIZE_T_MAX / classes / batch)
        return PyErr_Format(PyExc_ValueError, "frames * batch * classes overflows");
    Py_ssize_t cells = (Py_ssize_t)(frames * batch * classes);
    /* log_probs, targets, input_lengths, target_lengths, sample_weight, losses, grad */
    PyObject *objs[N_CTC_BUFFERS] = {args[3], args[4], args[6], args[7], args[10], args[12], args[13]};
    arg_buffer b[N_CTC_BUFFERS] = {{"log_probs"}, {"targets"}, {"input_lengths"}, {"target_lengths"},
                                   {"sample_weight"}, {"losses"}, {"grad"}};
    const int kinds[N_CTC_BUFFERS] = {AS_INPUT, INT64, INT64, INT64, AS_INPUT, AS_INPUT, AS_INPUT};
    /* targets have their own length, which the C layer checks against the layout. */
    const Py_ssize_t counts[N_CTC_BUFFERS] = {cells, ANY_COUNT, (Py_ssize_t)batch, (Py_ssize_t)batch,
                                              (Py_ssize_t)batch, (Py_ssize_t)batch, cells};
    int kind = acquire_all(b, objs, N_CTC_BUFFERS, cells, kinds, counts, 5);
    if (kind < 0) return NULL;
    double loss = 0.0;
    lk_status status;
    Py_BEGIN_ALLOW_THREADS
    status = lk_ctc(kind, (size_t)frames, (size_t)batch, (size_t)classes, ptr(&b[0]), ptr(&b[1]),
                    (size_t)b[1].count, (size_t)stride, ptr(&b[2]), ptr(&b[3]), (int64_t)blank,
                    (int32_t)zero_infinity, ptr(&b[4]), (lk_reduction)reduction, &loss, ptr(&b[5]),
                    ptr(&b[6]));
    Py_END_ALLOW_THREADS
    release_all(b, N_CTC_BUFFERS);
    if (status != LK_OK) return raise_status(status);
    return PyFloat_FromDouble(loss);
}

#define N_OVERLAP_BUFFERS 8

PyDoc_STRVAR(overlap_doc,
"overlap(loss_id, params, batch, classes, spatial, input, target_index, target_values,\n"
"        class_weight, sample_weight, reduction, losses, grad, hess) -> float\n\n"
"Calls lk_overlap. input is (batch * classes * spatial) float32 or float64; target_index int64\n"
"(batch * spatial) or None; target_values, grad and hess like input or None; class_weight\n"
"(classes), sample_weight and losses (batch) of input's type or None.");

static PyObject *overlap(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    long long loss_id, batch, classes, spatial, reduction;
    if (check_nargs("overlap", nargs, 14) || int32_arg(args, 0, "loss_id", &loss_id) || int_arg(args, 2, &batch) ||
        int_arg(args, 3, &classes) || int_arg(args, 4, &spatial) || int32_arg(args, 10, "reduction", &reduction))
        return NULL;
    double values[MAX_PARAMS];
    Py_ssize_t n_params;
    if (tuple_values(args[1], "params", MAX_PARAMS, values, NULL, &n_params)) return NULL;
    if (batch < 0 || classes < 0 || spatial < 0)
        return PyErr_Format(PyExc_ValueError, "batch, classes and spatial must be >= 0");
    if ((spatial > 0 && batch > PY_SSIZE_T_MAX / spatial) ||
        (classes > 0 && spatial > 0 && batch > PY_SSIZE_T_MAX / classes / spatial))
        return PyErr_Format(PyExc_ValueError, "batch * classes * spatial overflows");
    Py_ssize_t cells = (Py_ssize_t)(batch * classes * spatial);
    /* input, target index, target values, class weight, sample weight, losses, grad, hess */
    PyObject *objs[N_OVERLAP_BUFFERS] = {args[5], args[6], args[7], args[8], args[9], args[11], args[12], args[13]};
    arg_buffer b[N_OVERLAP_BUFFERS] = {{"input"}, {"target"}, {"target"}, {"class_weights"},
                                       {"sample_weight"}, {"losses"}, {"grad"}, {"hess"}};
    const int kinds[N_OVERLAP_BUFFERS] = {AS_INPUT, INT64, AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT, AS_INPUT};
    const Py_ssize_t counts[N_OVERLAP_BUFFERS] = {cells, (Py_ssize_t)(batch * spatial), cells,
                                                  (Py_ssize_t)classes, (Py_ssize_t)batch,
                                                  (Py_ssize_t)batch, cells, cells};
    int kind = acquire_all(b, objs, N_OVERLAP_BUFFERS, cells, kinds, counts, 5);
    if (kind < 0) return NULL;
    double loss = 0.0;
    lk_status status;
    Py_BEGIN_ALLOW_THREADS
    status = lk_overlap((int32_t)loss_id, values, (size_t)n_params, kind, (size_t)batch, (size_t)classes,
                        (size_t)spatial, ptr(&b[0]), ptr(&b[1]), ptr(&b[2]), ptr(&b[3]), ptr(&b[4]),
                        (lk_reduction)reduction, &loss, ptr(&b[5]), ptr(&b[6]), ptr(&b[7]));
    Py_END_ALLOW_THREADS
    release_all(b, N_OVERLAP_BUFFERS);
    if (status != LK_OK) return raise_status(status);
    return PyFloat_FromDouble(loss);
}

static PyObject *set_num_threads(PyObject *self, PyObject *arg) {
    (void)self;
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    if (n < INT32_MIN || n > INT32_MAX) return PyErr_Format(PyExc_ValueError, "n: %ld is out of range", n);
    lk_status status = lk_set_num_threads((int32_t)n);
    if (status != LK_OK) return raise_status(status);
    Py_RETURN_NONE;
}

static PyObject *get_num_threads(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    return PyLong_FromLong(lk_get_num_threads());
}

static PyObject *catalogue_json(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    return PyUnicode_FromString(lk_catalogue_json());
}

static PyObject *build_info(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    return PyUnicode_FromString(lk_build_info());
}

static PyObject *version(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    return PyUnicode_FromString(lk_version());
}

static PyMethodDef methods[] = {
    {"elementwise", (PyCFunction)(void (*)(void))elementwise, METH_FASTCALL, elementwise_doc},
    {"cross_entropy", (PyCFunction)(void (*)(void))cross_entropy, METH_FASTCALL, cross_entropy_doc},
    {"rowwise", (PyCFunction)(void (*)(void))rowwise, METH_FASTCALL, rowwise_doc},
    {"hybrid", (PyCFunction)(void (*)(void))hybrid, METH_FASTCALL, hybrid_doc},
    {"embedding", (PyCFunction)(void (*)(void))embedding, METH_FASTCALL, embedding_doc},
    {"ntxent", (PyCFunction)(void (*)(void))ntxent, METH_FASTCALL, ntxent_doc},
    {"ctc", (PyCFunction)(void (*)(void))ctc, METH_FASTCALL, ctc_doc},
    {"overlap", (PyCFunction)(void (*)(void))overlap, METH_FASTCALL, overlap_doc},
    {"elementwise_plain", (PyCFunction)(void (*)(void))elementwise_plain, METH_FASTCALL, elementwise_plain_doc},
    {"cross_entropy_plain", (PyCFunction)(void (*)(void))cross_entropy_plain, METH_FASTCALL, cross_entropy_plain_doc},
    {"results", (PyCFunction)(void (*)(void))results, METH_FASTCALL, results_doc},
    {"set_num_threads", set_num_threads, METH_O, "Sets the thread count (lk_set_num_threads)."},
    {"get_num_threads", get_num_threads, METH_NOARGS, "The thread count (lk_get_num_threads)."},
    {"catalogue_json", catalogue_json, METH_NOARGS, "The catalogue as JSON (lk_catalogue_json)."},
    {"build_info", build_info, METH_NOARGS, "Which build of the library runs (lk_build_info)."},
    {"version", version, METH_NOARGS, "The library version (lk_version)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "losskit._internal._native", "Thin shim over liblosskit.so.", 0, methods,
};

PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
