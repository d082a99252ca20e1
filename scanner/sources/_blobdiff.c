/* The changed region of two versions of a file, in one call (scanner.sources.gitblobs has the
 * reference implementation in Python and says what the region is; this module computes the same
 * numbers). A history sweep asks this once per file change, tens of thousands of times: in Python
 * the common prefix and suffix are bisected with slice comparisons, here they are one pass of word
 * comparisons. Optional: when it is not built, gitblobs uses its Python version. */

#define PY_SSIZE_T_CLEAN
#define _GNU_SOURCE /* memrchr */
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Length of the common prefix of a[0:n] and b[0:n]. */
static Py_ssize_t
prefix_len(const char *a, const char *b, Py_ssize_t n)
{
    Py_ssize_t i = 0;
    while (i + 8 <= n) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            break;
        i += 8;
    }
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* Length of the common suffix of a[0:la] and b[0:lb], at most `limit`. */
static Py_ssize_t
suffix_len(const char *a, Py_ssize_t la, const char *b, Py_ssize_t lb, Py_ssize_t limit)
{
    Py_ssize_t n = la < lb ? la : lb;
    if (limit < n)
        n = limit;
    Py_ssize_t i = 0;
    while (i + 8 <= n) {
        uint64_t x, y;
        memcpy(&x, a + la - i - 8, 8);
        memcpy(&y, b + lb - i - 8, 8);
        if (x != y)
            break;
        i += 8;
    }
    while (i < n && a[la - i - 1] == b[lb - i - 1])
        i++;
    return i;
}

/* Start of the line holding offset `pos` (the offset after the last newline before it). */
static Py_ssize_t
line_start(const char *s, Py_ssize_t pos)
{
#ifdef __GLIBC__
    const char *nl = pos > 0 ? memrchr(s, '\n', (size_t)pos) : NULL;
    return nl == NULL ? 0 : (Py_ssize_t)(nl - s) + 1;
#else
    while (pos > 0 && s[pos - 1] != '\n')
        pos--;
    return pos;
#endif
}

/* End of the line holding offset `pos` (just past its newline, or the length). */
static Py_ssize_t
line_end(const char *s, Py_ssize_t n, Py_ssize_t pos)
{
    if (pos >= n)
        return n;
    const char *nl = memchr(s + pos, '\n', (size_t)(n - pos));
    return nl == NULL ? n : (Py_ssize_t)(nl - s) + 1;
}

static PyObject *
changed_region(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyBytes_Check(args[0]) || !PyBytes_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "changed_region(old: bytes, new: bytes, context: int)");
        return NULL;
    }
    const char *old = PyBytes_AS_STRING(args[0]);
    const char *new = PyBytes_AS_STRING(args[1]);
    Py_ssize_t lo = PyBytes_GET_SIZE(args[0]), ln = PyBytes_GET_SIZE(args[1]);
    /* any integer (clamped: more lines of context than there are lines is all of them) */
    Py_ssize_t context = PyNumber_AsSsize_t(args[2], NULL);
    if (context == -1 && PyErr_Occurred())
        return NULL;
    if (lo == ln && memcmp(old, new, (size_t)ln) == 0)
        Py_RETURN_NONE;

    Py_ssize_t shorter = lo < ln ? lo : ln;
    Py_ssize_t p = prefix_len(old, new, shorter);
    Py_ssize_t s = suffix_len(old, lo, new, ln, shorter - p);
    Py_ssize_t start = line_start(new, p);
    Py_ssize_t qn = ln - s, qo = lo - s;
    Py_ssize_t end, old_end;
    int new_at_start = qn == 0 || new[qn - 1] == '\n';
    int old_at_start = qo == 0 || old[qo - 1] == '\n';
    if (new_at_start && old_at_start) {
        end = qn;
        old_end = qo;
    } else {
        end = line_end(new, ln, qn);
        old_end = qo + (end - qn);
    }
    if (end <= start && old_end <= start)
        Py_RETURN_NONE;

    Py_ssize_t ws = start, we = end;
    for (Py_ssize_t k = 0; k < context && ws > 0; k++)
        ws = line_start(new, ws - 1);
    for (Py_ssize_t k = 0; k < context && we < ln; k++)
        we = line_end(new, ln, we);
    return Py_BuildValue("(nnnnn)", start, end, old_end, ws, we);
}

static PyMethodDef methods[] = {
    {"changed_region", (PyCFunction)(void (*)(void))changed_region, METH_FASTCALL,
     "changed_region(old, new, context) -> (start, end, old_end, context_start, context_end) or None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_blobdiff", "The changed region of two versions of a file.", -1, methods,
};

PyMODINIT_FUNC
PyInit__blobdiff(void)
{
    return PyModule_Create(&module);
}
