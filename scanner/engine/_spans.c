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
#include <stdint.h>
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

/* prefilter.assigned_py: ASSIGN_NAME and ASSIGN_TYPE are its NAME_REACH and TYPE_REACH (a test checks
 * that the two answer alike at and past those lengths). */
#define ASSIGN_NAME 64
#define ASSIGN_TYPE 64

static inline int
is_name(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
}

static inline int
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static inline int
ends_bare(unsigned char c)
{
    return c == '"' || c == '\'' || c == '`' || c == ';' || c == ',' || c == '&' || c == '<' || c == '>' ||
           c == '(' || c == ')' || c == '{' || c == '}' || c == '[' || c == ']';
}

static inline int
is_quote(unsigned char c)
{
    return c == '"' || c == '\'' || c == '`';
}

/* prefilter._value_after */
static int
value_after(const unsigned char *b, Py_ssize_t n, Py_ssize_t op, int least)
{
    Py_ssize_t ends[2] = {op + 1, -1};
    if (op + 1 < n && (b[op + 1] == '>' || b[op + 1] == '='))
        ends[1] = op + 2;
    for (int k = 0; k < 2 && ends[k] >= 0; k++) {
        Py_ssize_t i = ends[k];
        for (int skipped = 0; i < n && skipped < 3 && (b[i] == ' ' || b[i] == '\t'); skipped++)
            i++;
        unsigned char q = 0; /* the value's quote, or 0: a bare value */
        if (i < n && is_quote(b[i]))
            q = b[i++];
        int run = 0;
        while (i < n && run < least && !is_space(b[i]) && b[i] != '\\' && (q ? b[i] != q : !ends_bare(b[i]))) {
            i++;
            run++;
        }
        if (run >= least)
            return 1;
    }
    return 0;
}

/* prefilter.assigned_py on bytes */
static int
assigned_at(const unsigned char *b, Py_ssize_t n, Py_ssize_t start, int least)
{
    Py_ssize_t i = start;
    while (i < n && is_name(b[i])) {
        i++;
        if (i - start > ASSIGN_NAME)
            return 0;
    }
    if (i < n && b[i] >= 0x80)
        return 1;
    for (int skipped = 0; i < n && skipped < 5 && (is_quote(b[i]) || b[i] == ']' || b[i] == ' ' || b[i] == '\t');
         skipped++)
        i++;
    if (i >= n || (b[i] != ':' && b[i] != '='))
        return 0;
    if (value_after(b, n, i, least))
        return 1;
    if (b[i] == ':') { /* a type annotation, up to the first '=' */
        Py_ssize_t stop = i + 1 + ASSIGN_TYPE < n ? i + 1 + ASSIGN_TYPE : n;
        for (Py_ssize_t j = i + 1; j < stop; j++) {
            unsigned char c = b[j];
            if (c >= 0x80)
                return 1;
            if (c == '=')
                return value_after(b, n, j, least);
            if (!(is_name(c) && c != '-') && c != '[' && c != ']' && c != '|' && c != ',' && c != '&' && c != '\'' &&
                c != ' ' && c != '\t')
                break;
        }
    }
    return 0;
}

static PyObject *
assigned(PyObject *self, PyObject *args)
{
    PyObject *low;
    Py_ssize_t start, least;
    if (!PyArg_ParseTuple(args, "O!nn:assigned", &PyBytes_Type, &low, &start, &least))
        return NULL;
    Py_ssize_t n = PyBytes_GET_SIZE(low);
    if (start < 0 || start > n || least < 0 || least > 255) {
        PyErr_SetString(PyExc_ValueError, "start must be in [0, len(text)] and least in [0, 255]");
        return NULL;
    }
    return PyBool_FromLong(assigned_at((const unsigned char *)PyBytes_AS_STRING(low), n, start, (int)least));
}

/* prefilter._lit_in's memo for one text: literal -> index into `lits` (searched from, next
 * occurrence or -1 (-2: none remembered), windows looked in). */
typedef struct {
    Py_ssize_t frm, nxt, spent;
} lit_t;

typedef struct {
    PyObject *index; /* dict: literal (bytes) -> int */
    lit_t *lits;
    Py_ssize_t n, cap, probe_cost;
} memo_t;

static lit_t *
memo_get(memo_t *m, PyObject *lit)
{
    PyObject *k = PyDict_GetItemWithError(m->index, lit);
    if (k != NULL)
        return &m->lits[PyLong_AsSsize_t(k)];
    if (PyErr_Occurred())
        return NULL;
    if (m->n == m->cap) {
        Py_ssize_t cap = m->cap ? 2 * m->cap : 16;
        lit_t *grown = PyMem_Realloc(m->lits, (size_t)cap * sizeof(lit_t));
        if (grown == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        m->lits = grown;
        m->cap = cap;
    }
    PyObject *ix = PyLong_FromSsize_t(m->n);
    if (ix == NULL || PyDict_SetItem(m->index, lit, ix) < 0) {
        Py_XDECREF(ix);
        return NULL;
    }
    Py_DECREF(ix);
    lit_t *l = &m->lits[m->n++];
    l->frm = 0;
    l->nxt = -2;
    l->spent = 0;
    return l;
}

static Py_ssize_t
find_at(const char *s, Py_ssize_t lo, Py_ssize_t hi, const char *lit, Py_ssize_t n)
{
    if (hi - lo < n)
        return -1;
    const char *p = memmem(s + lo, (size_t)(hi - lo), lit, (size_t)n);
    return p ? p - s : -1;
}

/* prefilter._lit_in: 1 inside s[ws:we), 0 not, -1 nowhere from ws on, -2 error. */
static int
lit_in(const text_t *t, memo_t *m, PyObject *lit, Py_ssize_t ws, Py_ssize_t we)
{
    if (!PyBytes_Check(lit)) {
        PyErr_SetString(PyExc_TypeError, "literals must be bytes");
        return -2;
    }
    Py_ssize_t n = PyBytes_GET_SIZE(lit);
    if (n == 0)
        return 1;
    lit_t *l = memo_get(m, lit);
    if (l == NULL)
        return -2;
    const char *s = (const char *)t->data, *needle = PyBytes_AS_STRING(lit);
    if (l->nxt == -2 || l->frm > ws || (l->nxt >= 0 && l->nxt < ws)) {
        if (l->spent < t->n - ws) {
            l->spent += (we - ws) + m->probe_cost;
            return find_at(s, ws, we, needle, n) >= 0;
        }
        l->frm = ws;
        l->nxt = find_at(s, ws, t->n, needle, n);
    }
    if (l->nxt < 0)
        return -1;
    return l->nxt + n <= we;
}

/* prefilter._any_in: lit_in over the literals of a non-empty tuple. */
static int
any_in(const text_t *t, memo_t *m, PyObject *lits, Py_ssize_t ws, Py_ssize_t we)
{
    int gone = 1;
    for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(lits); j++) {
        int r = lit_in(t, m, PyTuple_GET_ITEM(lits, j), ws, we);
        if (r == -2 || r == 1)
            return r;
        gone = gone && r < 0;
    }
    return gone ? -1 : 0;
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

/* One automaton match (keyword index, start, end), checked against the keywords and the text. */
static int
read_match(PyObject *hit, Py_ssize_t nwords, Py_ssize_t n, Py_ssize_t *word, Py_ssize_t *start, Py_ssize_t *end)
{
    if (!PyTuple_Check(hit) || PyTuple_GET_SIZE(hit) != 3) {
        PyErr_SetString(PyExc_TypeError, "a match is (keyword, start, end)");
        return -1;
    }
    *word = PyLong_AsSsize_t(PyTuple_GET_ITEM(hit, 0));
    *start = PyLong_AsSsize_t(PyTuple_GET_ITEM(hit, 1));
    *end = PyLong_AsSsize_t(PyTuple_GET_ITEM(hit, 2));
    if ((*word == -1 || *start == -1 || *end == -1) && PyErr_Occurred())
        return -1;
    if (*word < 0 || *word >= nwords || *end < 1 || *end > n || *start < 0 || *start > *end) {
        PyErr_SetString(PyExc_IndexError, "a match outside the keywords or the text");
        return -1;
    }
    return 0;
}

/* prefilter._collect_py for bytes: rule index -> keyword end offsets - 1 of the occurrences that count. */
static PyObject *
collect(PyObject *self, PyObject *args)
{
    PyObject *low, *matches, *plan, *gates, *words_of, *least_obj;
    Py_ssize_t cap, nrules, reach, probe_cost;
    if (!PyArg_ParseTuple(args, "O!O!O!O!nO!nnnO!:collect", &PyBytes_Type, &low, &PyList_Type, &matches,
                          &PyList_Type, &plan, &PyList_Type, &gates, &cap, &PyList_Type, &words_of, &nrules,
                          &reach, &probe_cost, &PyBytes_Type, &least_obj))
        return NULL;
    /* per rule index: the shortest value its keyword must be assigned (0, or past the end: none) */
    const unsigned char *least = (const unsigned char *)PyBytes_AS_STRING(least_obj);
    Py_ssize_t nleast = PyBytes_GET_SIZE(least_obj);
    text_t t;
    if (text_of(low, &t) < 0)
        return NULL;
    Py_ssize_t nwords = PyList_GET_SIZE(plan);
    if (PyList_GET_SIZE(gates) != nwords || PyList_GET_SIZE(words_of) < nrules || nrules < 0 || reach < 0) {
        PyErr_SetString(PyExc_ValueError, "plan, gates and words_of do not fit together");
        return NULL;
    }
    state_t st = {plan, words_of, PyMem_Calloc((size_t)nrules + 1, 1), PyMem_Calloc((size_t)nwords + 1, 1),
                  nrules, nwords};
    memo_t memo = {PyDict_New(), NULL, 0, 0, probe_cost};
    PyObject *out = PyDict_New(), *off = NULL;
    PyObject **lists = PyMem_Calloc((size_t)nrules + 1, sizeof(PyObject *)); /* rule -> its list in out */
    if (st.full == NULL || st.dead == NULL || lists == NULL || out == NULL || memo.index == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_ssize_t count = PyList_GET_SIZE(matches);
    for (Py_ssize_t m = 0; m < count; m++) {
        PyObject *hit = PyList_GET_ITEM(matches, m);
        Py_ssize_t word, start, end;
        if (read_match(hit, nwords, t.n, &word, &start, &end) < 0)
            goto fail;
        if (st.dead[word])
            continue;
        PyObject *rules = PyList_GET_ITEM(plan, word);
        PyObject *gate = PyList_GET_ITEM(gates, word);
        if (!PyTuple_Check(rules) || (gate != Py_None && (!PyTuple_Check(gate) || PyTuple_GET_SIZE(gate) == 0))) {
            PyErr_SetString(PyExc_TypeError, "plan holds tuples, gates non-empty tuples or None");
            goto fail;
        }
        Py_ssize_t ws = -1, we = -1;
        int filtered = 0;
        if (gate != Py_None) { /* every rule of this keyword requires a literal: one look for any of them */
            span_of(&t, end, reach, &ws, &we);
            int r = any_in(&t, &memo, gate, ws, we);
            if (r == -2)
                goto fail;
            if (r < 0)
                st.dead[word] = 1; /* none of them from here on: no later occurrence counts either */
            if (r <= 0)
                continue;
            filtered = PyTuple_GET_SIZE(rules) > 1;
        }
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(rules); k++) {
            Py_ssize_t i;
            PyObject *lits;
            if (rule_index(PyTuple_GET_ITEM(rules, k), nrules, &i, &lits) < 0)
                goto fail;
            if (filtered) {
                int r = PyTuple_GET_SIZE(lits) ? any_in(&t, &memo, lits, ws, we) : -1;
                if (r == -2)
                    goto fail;
                if (r <= 0)
                    continue;
            }
            if (st.full[i])
                continue;
            if (i < nleast && least[i] && !assigned_at((const unsigned char *)t.data, t.n, start, least[i]))
                continue;
            if (PyTuple_GET_SIZE(lits) && gate == Py_None) {
                if (ws < 0)
                    span_of(&t, end, reach, &ws, &we);
                int r = any_in(&t, &memo, lits, ws, we);
                if (r == -2)
                    goto fail;
                if (r < 0 && settle(&st, i) < 0)
                    goto fail;
                if (r <= 0)
                    continue;
            }
            if (off == NULL && (off = PyLong_FromSsize_t(end - 1)) == NULL)
                goto fail;
            PyObject *lst = lists[i];
            if (lst == NULL) { /* (the Python version looks at the cap from the second on) */
                if ((lst = PyList_New(0)) == NULL)
                    goto fail;
                int bad = PyDict_SetItem(out, PyTuple_GET_ITEM(PyTuple_GET_ITEM(rules, k), 0), lst) < 0;
                Py_DECREF(lst); /* the dict holds it */
                if (bad || PyList_Append(lst, off) < 0)
                    goto fail;
                lists[i] = lst;
                continue;
            }
            if (PyList_Append(lst, off) < 0)
                goto fail;
            if (PyList_GET_SIZE(lst) > cap && settle(&st, i) < 0)
                goto fail;
        }
        Py_CLEAR(off);
    }
    PyMem_Free(st.full);
    PyMem_Free(st.dead);
    PyMem_Free(lists);
    PyMem_Free(memo.lits);
    Py_DECREF(memo.index);
    return out;
fail:
    Py_XDECREF(off);
    PyMem_Free(st.full);
    PyMem_Free(st.dead);
    PyMem_Free(lists);
    PyMem_Free(memo.lits);
    Py_XDECREF(memo.index);
    Py_XDECREF(out);
    return NULL;
}

/* prefilter._keyword_ends_py: (end, keyword) of the matches that count for one of their keyword's rules;
 * counts[word] is None (every occurrence counts) or a tuple of (literals, shortest assigned value). */
static PyObject *
keyword_ends(PyObject *self, PyObject *args)
{
    PyObject *low, *matches, *counts, *words;
    Py_ssize_t reach, probe_cost;
    if (!PyArg_ParseTuple(args, "O!O!O!O!nn:keyword_ends", &PyBytes_Type, &low, &PyList_Type, &matches,
                          &PyList_Type, &counts, &PyList_Type, &words, &reach, &probe_cost))
        return NULL;
    text_t t;
    if (text_of(low, &t) < 0)
        return NULL;
    Py_ssize_t nwords = PyList_GET_SIZE(counts);
    if (PyList_GET_SIZE(words) != nwords || reach < 0) {
        PyErr_SetString(PyExc_ValueError, "counts and words do not fit together");
        return NULL;
    }
    memo_t memo = {PyDict_New(), NULL, 0, 0, probe_cost};
    PyObject *out = PyList_New(0);
    if (out == NULL || memo.index == NULL)
        goto fail;
    for (Py_ssize_t m = 0; m < PyList_GET_SIZE(matches); m++) {
        PyObject *hit = PyList_GET_ITEM(matches, m);
        Py_ssize_t word, start, end;
        if (read_match(hit, nwords, t.n, &word, &start, &end) < 0)
            goto fail;
        PyObject *cond = PyList_GET_ITEM(counts, word);
        int ok = cond == Py_None;
        if (!ok) {
            if (!PyTuple_Check(cond)) {
                PyErr_SetString(PyExc_TypeError, "counts holds tuples or None");
                goto fail;
            }
            Py_ssize_t ws = -1, we = -1;
            for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(cond) && !ok; k++) {
                PyObject *entry = PyTuple_GET_ITEM(cond, k);
                if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 2 || !PyTuple_Check(PyTuple_GET_ITEM(entry, 0))) {
                    PyErr_SetString(PyExc_TypeError, "a condition is (tuple of literals, shortest value)");
                    goto fail;
                }
                PyObject *lits = PyTuple_GET_ITEM(entry, 0);
                Py_ssize_t least = PyLong_AsSsize_t(PyTuple_GET_ITEM(entry, 1));
                if (least == -1 && PyErr_Occurred())
                    goto fail;
                if (least < 0 || least > 255) {
                    PyErr_SetString(PyExc_ValueError, "a shortest value must be in [0, 255]");
                    goto fail;
                }
                if (least && !assigned_at((const unsigned char *)t.data, t.n, start, (int)least))
                    continue;
                if (PyTuple_GET_SIZE(lits) == 0) {
                    ok = 1;
                    break;
                }
                if (ws < 0)
                    span_of(&t, end, reach, &ws, &we);
                int r = any_in(&t, &memo, lits, ws, we);
                if (r == -2)
                    goto fail;
                ok = r > 0;
            }
        }
        if (ok) {
            PyObject *item = PyTuple_Pack(2, PyTuple_GET_ITEM(hit, 2), PyList_GET_ITEM(words, word));
            int bad = item == NULL || PyList_Append(out, item) < 0;
            Py_XDECREF(item);
            if (bad)
                goto fail;
        }
    }
    PyMem_Free(memo.lits);
    Py_DECREF(memo.index);
    return out;
fail:
    PyMem_Free(memo.lits);
    Py_XDECREF(memo.index);
    Py_XDECREF(out);
    return NULL;
}

/* prefilter.char_offsets_py: the character offsets of byte offsets (ascending) in UTF-8 `raw`. */
static PyObject *
char_offsets(PyObject *self, PyObject *args)
{
    PyObject *raw, *offsets;
    if (!PyArg_ParseTuple(args, "O!O!:char_offsets", &PyBytes_Type, &raw, &PyList_Type, &offsets))
        return NULL;
    const unsigned char *s = (const unsigned char *)PyBytes_AS_STRING(raw);
    Py_ssize_t n = PyBytes_GET_SIZE(raw), pos = 0, chars = 0, count = PyList_GET_SIZE(offsets);
    PyObject *out = PyList_New(count);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < count; k++) {
        Py_ssize_t off = PyLong_AsSsize_t(PyList_GET_ITEM(offsets, k));
        if (off == -1 && PyErr_Occurred())
            goto fail;
        if (off < pos || off > n) {
            PyErr_SetString(PyExc_ValueError, "offsets must ascend and lie inside the bytes");
            goto fail;
        }
        for (; pos < off; pos++)
            chars += (s[pos] & 0xC0) != 0x80; /* a byte that does not continue a character starts one */
        PyObject *c = PyLong_FromSsize_t(chars);
        if (c == NULL)
            goto fail;
        PyList_SET_ITEM(out, k, c);
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* The keyword automaton of scanner.engine.dfa, checked once and copied (aligned) for `find`. */
typedef struct {
    unsigned char cls[256];
    uint32_t *trans, *index, *pairs;
    uint32_t first_match, stride, longest;
    Py_ssize_t ntrans, nmatch;
} dfa_t;

#define DFA_NAME "keysweep.dfa"
#define STREAMS 8               /* slices of a text searched at once (independent chains of table loads) */
#define STREAM_MIN 1024        /* shorter texts: one slice (each slice starts `longest` bytes early: at 1024, 1/3 more steps, run 8 at a time) */

static void
dfa_free(PyObject *capsule)
{
    dfa_t *d = PyCapsule_GetPointer(capsule, DFA_NAME);
    if (d != NULL) {
        PyMem_Free(d->trans);
        PyMem_Free(d->index);
        PyMem_Free(d->pairs);
        PyMem_Free(d);
    }
}

static uint32_t *
copy_u32(PyObject *b, Py_ssize_t *count)
{
    Py_ssize_t n = PyBytes_GET_SIZE(b);
    if (n % 4) {
        PyErr_SetString(PyExc_ValueError, "a table is a whole number of uint32");
        return NULL;
    }
    uint32_t *out = PyMem_Malloc(n ? (size_t)n : 4);
    if (out == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(out, PyBytes_AS_STRING(b), (size_t)n);
    *count = n / 4;
    return out;
}

/* dfa(classes, stride, trans, first_match, out_index, pairs, longest, words) -> capsule for find */
static PyObject *
dfa(PyObject *self, PyObject *args)
{
    PyObject *classes, *trans, *index, *pairs;
    Py_ssize_t stride, first, longest, words, nindex = 0, npairs = 0;
    if (!PyArg_ParseTuple(args, "O!nO!nO!O!nn:dfa", &PyBytes_Type, &classes, &stride, &PyBytes_Type, &trans,
                          &first, &PyBytes_Type, &index, &PyBytes_Type, &pairs, &longest, &words))
        return NULL;
    dfa_t *d = PyMem_Calloc(1, sizeof(dfa_t));
    if (d == NULL)
        return PyErr_NoMemory();
    PyObject *capsule = PyCapsule_New(d, DFA_NAME, dfa_free);
    if (capsule == NULL) {
        PyMem_Free(d);
        return NULL;
    }
    if (PyBytes_GET_SIZE(classes) != 256 || stride < 1 || stride > 256 || longest < 0 || longest > (1 << 20)
        || words < 0 || words > UINT32_MAX)
        goto bad;
    memcpy(d->cls, PyBytes_AS_STRING(classes), 256);
    if ((d->trans = copy_u32(trans, &d->ntrans)) == NULL || (d->index = copy_u32(index, &nindex)) == NULL
        || (d->pairs = copy_u32(pairs, &npairs)) == NULL)
        goto fail;
    npairs /= 2;
    if (d->ntrans == 0 || d->ntrans % stride || d->ntrans > UINT32_MAX || first < 0 || first % stride
        || first > d->ntrans)
        goto bad;
    d->nmatch = (d->ntrans - first) / stride;
    if (nindex != d->nmatch + 1)
        goto bad;
    for (int b = 0; b < 256; b++)
        if (d->cls[b] >= stride)
            goto bad;
    for (Py_ssize_t k = 0; k < d->ntrans; k++)
        if (d->trans[k] >= d->ntrans || d->trans[k] % stride)
            goto bad;
    for (Py_ssize_t m = 0; m < d->nmatch; m++)
        if (d->index[m] > d->index[m + 1] || d->index[m + 1] > npairs)
            goto bad;
    for (Py_ssize_t p = 0; p < d->index[d->nmatch]; p++)
        if (d->pairs[2 * p] >= words || d->pairs[2 * p + 1] < 1 || d->pairs[2 * p + 1] > longest)
            goto bad;
    d->first_match = (uint32_t)first;
    d->stride = (uint32_t)stride;
    d->longest = (uint32_t)longest;
    return capsule;
bad:
    PyErr_SetString(PyExc_ValueError, "the automaton's tables do not fit together");
fail:
    Py_DECREF(capsule);
    return NULL;
}

/* The match states one slice reached: (end, state) pairs, grown as needed. */
typedef struct {
    uint32_t *ends, *states;
    Py_ssize_t n, cap;
} hits_t;

static int
hits_add(hits_t *h, Py_ssize_t end, uint32_t state)
{
    if (h->n == h->cap) {
        Py_ssize_t cap = h->cap ? 2 * h->cap : 256;
        uint32_t *e = PyMem_Realloc(h->ends, (size_t)cap * 4), *s;
        if (e == NULL)
            return -1;
        h->ends = e;
        if ((s = PyMem_Realloc(h->states, (size_t)cap * 4)) == NULL)
            return -1;
        h->states = s;
        h->cap = cap;
    }
    h->ends[h->n] = (uint32_t)end;
    h->states[h->n++] = state;
    return 0;
}

/* find(dfa, data) -> [(keyword, start, end)]: dfa.find_py, eight slices of the text at a time. */
static PyObject *
find(PyObject *self, PyObject *args)
{
    PyObject *capsule, *data;
    if (!PyArg_ParseTuple(args, "OO!:find", &capsule, &PyBytes_Type, &data))
        return NULL;
    const dfa_t *d = PyCapsule_GetPointer(capsule, DFA_NAME);
    if (d == NULL)
        return NULL;
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(data);
    Py_ssize_t n = PyBytes_GET_SIZE(data);
    if (n > UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "a text over 4 GB");
        return NULL;
    }
    int k = n < STREAM_MIN ? 1 : STREAMS;
    Py_ssize_t pos[STREAMS], from[STREAMS], stop[STREAMS];
    uint32_t st[STREAMS];
    hits_t hits[STREAMS];
    memset(hits, 0, sizeof hits);
    Py_ssize_t slice = n / k, common = n;
    for (int j = 0; j < k; j++) {
        from[j] = j * slice; /* it reports the occurrences ending after from[j], up to stop[j] */
        stop[j] = j == k - 1 ? n : from[j] + slice;
        pos[j] = from[j] > (Py_ssize_t)d->longest ? from[j] - d->longest : 0;
        st[j] = 0;
        if (stop[j] - pos[j] < common)
            common = stop[j] - pos[j];
    }
    const unsigned char *cls = d->cls;
    const uint32_t *trans = d->trans;
    uint32_t first = d->first_match;
    PyObject *out = NULL;
    if (k == STREAMS) { /* the slices side by side, up to the shortest one's end (STREAMS is 8) */
        uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        const unsigned char *p0 = p + pos[0], *p1 = p + pos[1], *p2 = p + pos[2], *p3 = p + pos[3];
        const unsigned char *p4 = p + pos[4], *p5 = p + pos[5], *p6 = p + pos[6], *p7 = p + pos[7];
        for (Py_ssize_t i = 0; i < common; i++) {
            s0 = trans[s0 + cls[p0[i]]];
            s1 = trans[s1 + cls[p1[i]]];
            s2 = trans[s2 + cls[p2[i]]];
            s3 = trans[s3 + cls[p3[i]]];
            s4 = trans[s4 + cls[p4[i]]];
            s5 = trans[s5 + cls[p5[i]]];
            s6 = trans[s6 + cls[p6[i]]];
            s7 = trans[s7 + cls[p7[i]]];
            if (s0 >= first || s1 >= first || s2 >= first || s3 >= first || s4 >= first || s5 >= first
                || s6 >= first || s7 >= first) {
                uint32_t now[STREAMS] = {s0, s1, s2, s3, s4, s5, s6, s7};
                for (int j = 0; j < STREAMS; j++)
                    if (now[j] >= first && pos[j] + i >= from[j] && hits_add(&hits[j], pos[j] + i + 1, now[j]) < 0)
                        goto nomem;
            }
        }
        st[0] = s0, st[1] = s1, st[2] = s2, st[3] = s3, st[4] = s4, st[5] = s5, st[6] = s6, st[7] = s7;
    }
    else
        common = 0;
    for (int j = 0; j < k; j++) {
        uint32_t s = st[j];
        for (Py_ssize_t q = pos[j] + common; q < stop[j]; q++) {
            s = trans[s + cls[p[q]]];
            if (s >= first && q >= from[j] && hits_add(&hits[j], q + 1, s) < 0)
                goto nomem;
        }
    }
    if ((out = PyList_New(0)) == NULL)
        goto done;
    for (int j = 0; j < k; j++) {
        for (Py_ssize_t h = 0; h < hits[j].n; h++) {
            Py_ssize_t m = (hits[j].states[h] - first) / d->stride, end = hits[j].ends[h];
            for (uint32_t x = d->index[m]; x < d->index[m + 1]; x++) {
                PyObject *item = Py_BuildValue("(nnn)", (Py_ssize_t)d->pairs[2 * x],
                                               end - (Py_ssize_t)d->pairs[2 * x + 1], end);
                int bad = item == NULL || PyList_Append(out, item) < 0;
                Py_XDECREF(item);
                if (bad) {
                    Py_CLEAR(out);
                    goto done;
                }
            }
        }
    }
    goto done;
nomem:
    PyErr_NoMemory();
done:
    for (int j = 0; j < STREAMS; j++) {
        PyMem_Free(hits[j].ends);
        PyMem_Free(hits[j].states);
    }
    return out;
}

static PyMethodDef methods[] = {
    {"window", window, METH_VARARGS,
     "window(text, end, reach) -> (start, stop): the span around the keyword ending at end - 1."},
    {"windows", windows, METH_VARARGS,
     "windows(text, ends, reach) -> [(start, stop, cut)]: the merged spans of a list of keyword ends."},
    {"char_offsets", char_offsets, METH_VARARGS,
     "char_offsets(raw, offsets) -> [character offset of each byte offset]."},
    {"collect", collect, METH_VARARGS,
     "collect(lower, matches, plan, gates, cap, words_of, rules, reach, probe_cost, least) -> {rule: [end - 1, ...]}."},
    {"keyword_ends", keyword_ends, METH_VARARGS,
     "keyword_ends(lower, matches, counts, words, reach, probe_cost) -> [(end, keyword)] of the matches that count."},
    {"assigned", assigned, METH_VARARGS,
     "assigned(lower, start, least) -> whether the keyword at start may be assigned a value of least characters."},
    {"dfa", dfa, METH_VARARGS,
     "dfa(classes, stride, trans, first_match, out_index, pairs, longest, words) -> the automaton for find."},
    {"find", find, METH_VARARGS,
     "find(dfa, data) -> [(keyword, start, end)] of every keyword occurrence (scanner.engine.dfa.find_py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_spans", NULL, -1, methods};

PyMODINIT_FUNC
PyInit__spans(void)
{
    return PyModule_Create(&module);
}
