/* The spans a rule's regex runs on around keyword occurrences (scanner.engine.prefilter.window and
 * scanner.engine.matcher's window merge have the reference versions in Python and say what a span
 * is; this module computes the same numbers). A scan asks for a span at every keyword occurrence,
 * about a million times on a few hundred MB of source: in Python each costs a function call and
 * three searches; here the whole list of a rule's occurrences is one call. Works on str (any kind)
 * and bytes. Optional: without it the Python versions are used. */

#define PY_SSIZE_T_CLEAN
#define _GNU_SOURCE /* memrchr */
#include <Python.h>
#include <string.h>

/* A text as a character array of one of Python's widths (1, 2 or 4 bytes). */
typedef struct {
    const void *data;
    int kind; /* 1, 2 or 4 */
    Py_ssize_t n;
} text_t;

static int
text_of(PyObject *obj, text_t *t)
{
    if (PyBytes_Check(obj)) {
        t->data = PyBytes_AS_STRING(obj);
        t->kind = 1;
        t->n = PyBytes_GET_SIZE(obj);
        return 0;
    }
    if (PyUnicode_Check(obj)) {
        if (PyUnicode_READY(obj) < 0)
            return -1;
        t->data = PyUnicode_DATA(obj);
        t->kind = PyUnicode_KIND(obj);
        t->n = PyUnicode_GET_LENGTH(obj);
        return 0;
    }
    PyErr_SetString(PyExc_TypeError, "text must be str or bytes");
    return -1;
}

static inline Py_UCS4
at(const text_t *t, Py_ssize_t i)
{
    switch (t->kind) {
    case 1: return ((const unsigned char *)t->data)[i];
    case 2: return ((const Py_UCS2 *)t->data)[i];
    default: return ((const Py_UCS4 *)t->data)[i];
    }
}

static inline Py_ssize_t
clamp(Py_ssize_t v, Py_ssize_t n)
{
    return v < 0 ? 0 : (v > n ? n : v);
}

/* First newline in [lo, hi), or -1. */
static Py_ssize_t
find_nl(const text_t *t, Py_ssize_t lo, Py_ssize_t hi)
{
    lo = clamp(lo, t->n);
    hi = clamp(hi, t->n);
    if (lo >= hi)
        return -1;
    if (t->kind == 1) {
        const char *base = (const char *)t->data;
        const char *p = memchr(base + lo, '\n', (size_t)(hi - lo));
        return p ? p - base : -1;
    }
    for (Py_ssize_t i = lo; i < hi; i++)
        if (at(t, i) == '\n')
            return i;
    return -1;
}

/* Last newline in [lo, hi), or -1. */
static Py_ssize_t
rfind_nl(const text_t *t, Py_ssize_t lo, Py_ssize_t hi)
{
    lo = clamp(lo, t->n);
    hi = clamp(hi, t->n);
    if (lo >= hi)
        return -1;
    if (t->kind == 1) {
        const char *base = (const char *)t->data;
        const char *p = memrchr(base + lo, '\n', (size_t)(hi - lo));
        return p ? p - base : -1;
    }
    for (Py_ssize_t i = hi - 1; i >= lo; i--)
        if (at(t, i) == '\n')
            return i;
    return -1;
}

/* prefilter.window: the keyword's line and the next, long lines cut `reach` characters from it.
 * 0 <= end <= t->n; a reach past the text's length is the same as reach = n + 1 (no overflow). */
static void
span_of(const text_t *t, Py_ssize_t end, Py_ssize_t reach, Py_ssize_t *ws, Py_ssize_t *we)
{
    if (reach > t->n + 1)
        reach = t->n + 1;
    Py_ssize_t lo = end - reach > 0 ? end - reach : 0;
    Py_ssize_t r = rfind_nl(t, lo, end);
    *ws = r >= 0 ? r + 1 : lo;
    Py_ssize_t e1 = find_nl(t, end, end + reach);
    if (e1 < 0) {
        *we = end + reach < t->n ? end + reach : t->n;
        return;
    }
    Py_ssize_t e2 = find_nl(t, e1 + 1, e1 + 1 + reach);
    if (e2 < 0)
        *we = e1 + 1 + reach < t->n ? e1 + 1 + reach : t->n;
    else
        *we = e2;
}

static PyObject *
window(PyObject *self, PyObject *args)
{
    PyObject *obj;
    Py_ssize_t end, reach;
    text_t t;
    if (!PyArg_ParseTuple(args, "Onn:window", &obj, &end, &reach))
        return NULL;
    if (text_of(obj, &t) < 0)
        return NULL;
    if (end < 0 || end > t.n || reach < 0) {
        PyErr_SetString(PyExc_ValueError, "end must be in [0, len(text)] and reach not negative");
        return NULL;
    }
    Py_ssize_t ws, we;
    span_of(&t, end, reach, &ws, &we);
    return Py_BuildValue("(nn)", ws, we);
}

/* matcher._windows: the spans of `ends`, merged where they touch or overlap, each with whether its
 * end is a cut inside a long line (not a newline and not the text's end). */
static PyObject *
windows(PyObject *self, PyObject *args)
{
    PyObject *obj, *ends;
    Py_ssize_t reach;
    text_t t;
    if (!PyArg_ParseTuple(args, "OO!n:windows", &obj, &PyList_Type, &ends, &reach))
        return NULL;
    if (text_of(obj, &t) < 0)
        return NULL;
    if (reach < 0) {
        PyErr_SetString(PyExc_ValueError, "reach must not be negative");
        return NULL;
    }
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    Py_ssize_t cur_s = 0, cur_e = 0;
    int cur_cut = 0, have = 0;
    Py_ssize_t count = PyList_GET_SIZE(ends);
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_ssize_t end = PyLong_AsSsize_t(PyList_GET_ITEM(ends, i));
        if (end == -1 && PyErr_Occurred())
            goto fail;
        if (end < 0 || end > t.n) {
            PyErr_SetString(PyExc_ValueError, "offsets must be in [0, len(text)]");
            goto fail;
        }
        Py_ssize_t ws, we;
        span_of(&t, end, reach, &ws, &we);
        int cut = we < t.n && at(&t, we) != '\n';
        if (have && ws <= cur_e) {
            if (we > cur_e) {
                cur_e = we;
                cur_cut = cut;
            }
            continue;
        }
        if (have) {
            PyObject *item = Py_BuildValue("(nnO)", cur_s, cur_e, cur_cut ? Py_True : Py_False);
            if (item == NULL || PyList_Append(out, item) < 0) {
                Py_XDECREF(item);
                goto fail;
            }
            Py_DECREF(item);
        }
        cur_s = ws;
        cur_e = we;
        cur_cut = cut;
        have = 1;
    }
    if (have) {
        PyObject *item = Py_BuildValue("(nnO)", cur_s, cur_e, cur_cut ? Py_True : Py_False);
        if (item == NULL || PyList_Append(out, item) < 0) {
            Py_XDECREF(item);
            goto fail;
        }
        Py_DECREF(item);
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"window", window, METH_VARARGS,
     "window(text, end, reach) -> (start, stop): the span around the keyword ending at end - 1."},
    {"windows", windows, METH_VARARGS,
     "windows(text, ends, reach) -> [(start, stop, cut)]: the merged spans of a list of keyword ends."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_spans", NULL, -1, methods};

PyMODINIT_FUNC
PyInit__spans(void)
{
    return PyModule_Create(&module);
}
