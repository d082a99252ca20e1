/* The spans a rule's regex runs on around keyword occurrences, and which occurrences count
 * (scanner.engine.prefilter has the reference versions in Python - window_py, windows_py and
 * _collect_py - and says what they mean; this module computes the same answers). A scan asks for a
 * span at every keyword occurrence, about a million times on a few hundred MB of source: in Python
 * each costs a function call and three searches; here a rule's occurrences are one call, and the
 * sorting of a text's keyword matches into rules (`collect`) is one pass. window and windows work on
 * str (any kind) and bytes, collect on bytes. Optional: without it the Python versions are used. */

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

static int
append_span(PyObject *out, Py_ssize_t start, Py_ssize_t stop, int cut)
{
    PyObject *item = Py_BuildValue("(nnO)", start, stop, cut ? Py_True : Py_False);
    int rc = item == NULL ? -1 : PyList_Append(out, item);
    Py_XDECREF(item);
    return rc;
}

/* prefilter.windows_py: the spans of `ends`, merged where they touch or overlap, each with whether its
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
        if (have && append_span(out, cur_s, cur_e, cur_cut) < 0)
            goto fail;
        cur_s = ws;
        cur_e = we;
        cur_cut = cut;
        have = 1;
    }
    if (have && append_span(out, cur_s, cur_e, cur_cut) < 0)
        goto fail;
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* Whether one of the bytes literals in the tuple `lits` lies wholly inside s[lo:hi). */
static int
any_in(const char *s, Py_ssize_t lo, Py_ssize_t hi, PyObject *lits)
{
    Py_ssize_t k = PyTuple_GET_SIZE(lits);
    for (Py_ssize_t j = 0; j < k; j++) {
        PyObject *lit = PyTuple_GET_ITEM(lits, j);
        if (!PyBytes_Check(lit)) {
            PyErr_SetString(PyExc_TypeError, "literals must be bytes");
            return -1;
        }
        Py_ssize_t n = PyBytes_GET_SIZE(lit);
        if (n == 0) {
            if (lo <= hi)
                return 1;
            continue;
        }
        if (hi - lo >= n && memmem(s + lo, (size_t)(hi - lo), PyBytes_AS_STRING(lit), (size_t)n) != NULL)
            return 1;
    }
    return 0;
}

/* any_in over the whole text, remembered per literal tuple in `present` (one dict per text). */
static int
anywhere(const text_t *t, PyObject *present, PyObject *lits)
{
    PyObject *known = PyDict_GetItemWithError(present, lits);
    if (known != NULL)
        return known == Py_True;
    if (PyErr_Occurred())
        return -1;
    int found = any_in((const char *)t->data, 0, t->n, lits);
    if (found < 0 || PyDict_SetItem(present, lits, found ? Py_True : Py_False) < 0)
        return -1;
    return found;
}

typedef struct {
    PyObject *plan, *words_of;
    char *full, *dead;
    Py_ssize_t nrules, nwords;
} state_t;

static int
rule_index(PyObject *entry, Py_ssize_t nrules, Py_ssize_t *i, PyObject **lits)
{
    if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 2 || !PyTuple_Check(PyTuple_GET_ITEM(entry, 1))) {
        PyErr_SetString(PyExc_TypeError, "a plan entry is (rule index, tuple of literals)");
        return -1;
    }
    *i = PyLong_AsSsize_t(PyTuple_GET_ITEM(entry, 0));
    if (*i == -1 && PyErr_Occurred())
        return -1;
    if (*i < 0 || *i >= nrules) {
        PyErr_SetString(PyExc_IndexError, "rule index out of range");
        return -1;
    }
    *lits = PyTuple_GET_ITEM(entry, 1);
    return 0;
}

/* Rule i takes no more offsets; keywords whose every rule is settled are passed over from now on. */
static int
settle(state_t *st, Py_ssize_t i)
{
    st->full[i] = 1;
    PyObject *words = PyList_GET_ITEM(st->words_of, i);
    if (!PyTuple_Check(words)) {
        PyErr_SetString(PyExc_TypeError, "words_of holds tuples");
        return -1;
    }
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(words); k++) {
        Py_ssize_t w = PyLong_AsSsize_t(PyTuple_GET_ITEM(words, k));
        if (w == -1 && PyErr_Occurred())
            return -1;
        if (w < 0 || w >= st->nwords) {
            PyErr_SetString(PyExc_IndexError, "keyword index out of range");
            return -1;
        }
        PyObject *rules = PyList_GET_ITEM(st->plan, w);
        int all = 1;
        for (Py_ssize_t r = 0; r < PyTuple_GET_SIZE(rules) && all; r++) {
            Py_ssize_t j;
            PyObject *lits;
            if (rule_index(PyTuple_GET_ITEM(rules, r), st->nrules, &j, &lits) < 0)
                return -1;
            all = st->full[j];
        }
        if (all)
            st->dead[w] = 1;
    }
    return 0;
}

/* prefilter._collect_py for bytes: rule index -> keyword end offsets - 1 of the occurrences that count. */
static PyObject *
collect(PyObject *self, PyObject *args)
{
    PyObject *low, *matches, *plan, *gates, *words_of;
    Py_ssize_t cap, nrules, reach;
    if (!PyArg_ParseTuple(args, "O!O!O!O!nO!nn:collect", &PyBytes_Type, &low, &PyList_Type, &matches,
                          &PyList_Type, &plan, &PyList_Type, &gates, &cap, &PyList_Type, &words_of, &nrules,
                          &reach))
        return NULL;
    text_t t;
    if (text_of(low, &t) < 0)
        return NULL;
    Py_ssize_t nwords = PyList_GET_SIZE(plan);
    if (PyList_GET_SIZE(gates) != nwords || PyList_GET_SIZE(words_of) < nrules || nrules < 0 || reach < 0) {
        PyErr_SetString(PyExc_ValueError, "plan, gates and words_of do not fit together");
        return NULL;
    }
    for (Py_ssize_t w = 0; w < nwords; w++) {
        PyObject *g = PyList_GET_ITEM(gates, w);
        if (!PyTuple_Check(PyList_GET_ITEM(plan, w)) || (g != Py_None && !PyTuple_Check(g))) {
            PyErr_SetString(PyExc_TypeError, "plan holds tuples, gates tuples or None");
            return NULL;
        }
    }
    const char *s = (const char *)t.data;
    state_t st = {plan, words_of, PyMem_Calloc((size_t)nrules + 1, 1), PyMem_Calloc((size_t)nwords + 1, 1),
                  nrules, nwords};
    PyObject *out = PyDict_New(), *present = PyDict_New();
    if (st.full == NULL || st.dead == NULL || out == NULL || present == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_ssize_t count = PyList_GET_SIZE(matches);
    for (Py_ssize_t m = 0; m < count; m++) {
        PyObject *hit = PyList_GET_ITEM(matches, m);
        if (!PyTuple_Check(hit) || PyTuple_GET_SIZE(hit) != 3) {
            PyErr_SetString(PyExc_TypeError, "a match is (keyword, start, end)");
            goto fail;
        }
        Py_ssize_t word = PyLong_AsSsize_t(PyTuple_GET_ITEM(hit, 0));
        Py_ssize_t end = PyLong_AsSsize_t(PyTuple_GET_ITEM(hit, 2));
        if ((word == -1 || end == -1) && PyErr_Occurred())
            goto fail;
        if (word < 0 || word >= nwords || end < 1 || end > t.n) {
            PyErr_SetString(PyExc_IndexError, "a match outside the keywords or the text");
            goto fail;
        }
        if (st.dead[word])
            continue;
        PyObject *rules = PyList_GET_ITEM(plan, word);
        PyObject *gate = PyList_GET_ITEM(gates, word);
        Py_ssize_t ws = 0, we = 0;
        int spanned = 0, filtered = 0;
        if (gate != Py_None) { /* every rule of this keyword requires a literal: one look for any of them */
            int any = anywhere(&t, present, gate);
            if (any < 0)
                goto fail;
            if (!any) {
                st.dead[word] = 1; /* none of them anywhere: no later occurrence counts either */
                continue;
            }
            span_of(&t, end, reach, &ws, &we);
            spanned = 1;
            int inside = any_in(s, ws, we, gate);
            if (inside < 0)
                goto fail;
            if (!inside)
                continue;
            filtered = PyTuple_GET_SIZE(rules) > 1;
        }
        for (Py_ssize_t r = 0; r < PyTuple_GET_SIZE(rules); r++) {
            Py_ssize_t i;
            PyObject *lits;
            if (rule_index(PyTuple_GET_ITEM(rules, r), nrules, &i, &lits) < 0)
                goto fail;
            if (filtered) {
                int inside = any_in(s, ws, we, lits);
                if (inside < 0)
                    goto fail;
                if (!inside)
                    continue;
            }
            if (st.full[i])
                continue;
            if (PyTuple_GET_SIZE(lits) && gate == Py_None) {
                int any = anywhere(&t, present, lits);
                if (any < 0)
                    goto fail;
                if (!any) {
                    if (settle(&st, i) < 0)
                        goto fail;
                    continue;
                }
                if (!spanned) {
                    span_of(&t, end, reach, &ws, &we);
                    spanned = 1;
                }
                int inside = any_in(s, ws, we, lits);
                if (inside < 0)
                    goto fail;
                if (!inside)
                    continue;
            }
            PyObject *key = PyLong_FromSsize_t(i);
            PyObject *off = PyLong_FromSsize_t(end - 1);
            if (key == NULL || off == NULL) {
                Py_XDECREF(key);
                Py_XDECREF(off);
                goto fail;
            }
            PyObject *lst = PyDict_GetItemWithError(out, key);
            int bad = 0, first = lst == NULL; /* (the Python version looks at the cap from the second on) */
            if (lst == NULL) {
                if (PyErr_Occurred()) {
                    bad = 1;
                } else {
                    lst = PyList_New(0);
                    bad = lst == NULL || PyDict_SetItem(out, key, lst) < 0;
                    Py_XDECREF(lst); /* the dict holds it */
                }
            }
            bad = bad || PyList_Append(lst, off) < 0;
            Py_DECREF(key);
            Py_DECREF(off);
            if (bad)
                goto fail;
            if (!first && PyList_GET_SIZE(lst) > cap && settle(&st, i) < 0)
                goto fail;
        }
    }
    PyMem_Free(st.full);
    PyMem_Free(st.dead);
    Py_DECREF(present);
    return out;
fail:
    PyMem_Free(st.full);
    PyMem_Free(st.dead);
    Py_XDECREF(out);
    Py_XDECREF(present);
    return NULL;
}

static PyMethodDef methods[] = {
    {"window", window, METH_VARARGS,
     "window(text, end, reach) -> (start, stop): the span around the keyword ending at end - 1."},
    {"windows", windows, METH_VARARGS,
     "windows(text, ends, reach) -> [(start, stop, cut)]: the merged spans of a list of keyword ends."},
    {"collect", collect, METH_VARARGS,
     "collect(lower, matches, plan, gates, cap, words_of, rules, reach) -> {rule: [end - 1, ...]}."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_spans", NULL, -1, methods};

PyMODINIT_FUNC
PyInit__spans(void)
{
    return PyModule_Create(&module);
}
