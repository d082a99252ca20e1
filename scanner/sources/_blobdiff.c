/* The changed region of two versions of a file, in one call (scanner.sources.gitblobs has the
 * reference implementation in Python and says what the region is; this module computes the same
 * numbers). A history sweep asks this once per file change, tens of thousands of times: in Python
 * the common prefix and suffix are bisected with slice comparisons, here they are one pass of word
 * comparisons. `added_lines` then says which lines of that region the old version does not have
 * (one hash table of the old lines, instead of splitting both versions into lists and sets: a
 * regenerated lock file changes a line in every entry of a few MB). Optional: when it is not built,
 * gitblobs uses its Python versions. */

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

/* --- added lines: which lines of a changed region are no line of the old region -------------- */

/* A line's hash: 8 bytes at a time (the table compares the bytes on a hash match). */
static uint64_t
line_hash(const char *s, Py_ssize_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, s + i, (size_t)(n - i));
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 29;
    return h;
}

typedef struct {
    uint64_t hash;
    const char *at; /* NULL: empty slot */
    Py_ssize_t len;
} slot_t;

/* The slot holding line s[0:n] (hash h), or the empty slot where it would go. */
static slot_t *
find_slot(slot_t *table, size_t cap, uint64_t h, const char *s, Py_ssize_t n)
{
    size_t i = (size_t)h & (cap - 1);
    while (table[i].at != NULL
           && !(table[i].hash == h && table[i].len == n && memcmp(table[i].at, s, (size_t)n) == 0))
        i = (i + 1) & (cap - 1);
    return &table[i];
}

/* A line to put in or look up: where, how long, its hash and (new lines) its number. */
typedef struct {
    const char *at;
    Py_ssize_t len;
    uint64_t hash;
    Py_ssize_t index;
} span_t;

#define AHEAD 8
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* The bytes.strip() whitespace: a line of only these is blank. */
static int
blank(const char *s, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\x0b' && c != '\x0c')
            return 0;
    }
    return 1;
}

static PyObject *
added_lines(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6 || !PyBytes_Check(args[0]) || !PyBytes_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "added_lines(old: bytes, new: bytes, ws: int, we: int, start: int, end: int)");
        return NULL;
    }
    const char *old = PyBytes_AS_STRING(args[0]);
    const char *new = PyBytes_AS_STRING(args[1]);
    Py_ssize_t lo = PyBytes_GET_SIZE(args[0]), ln = PyBytes_GET_SIZE(args[1]);
    Py_ssize_t pos[4];
    for (int k = 0; k < 4; k++) {
        pos[k] = PyNumber_AsSsize_t(args[2 + k], NULL);
        if (pos[k] == -1 && PyErr_Occurred())
            return NULL;
    }
    Py_ssize_t ws = pos[0], we = pos[1], start = pos[2], end = pos[3];
    if (!(0 <= ws && ws <= start && start <= end && end <= we && we <= ln)) {
        PyErr_SetString(PyExc_ValueError, "added_lines: need 0 <= ws <= start <= end <= we <= len(new)");
        return NULL;
    }
    PyObject *out = PyList_New(0);
    if (out == NULL || start == end)
        return out;

    /* the old lines (old.split(b"\n")) in an open-addressing table */
    Py_ssize_t lines = 1;
    for (const char *p = old; (p = memchr(p, '\n', (size_t)(old + lo - p))) != NULL; p++)
        lines++;
    Py_ssize_t fresh = 1; /* at most this many new lines to look up */
    for (const char *p = new + ws; p < new + end && (p = memchr(p, '\n', (size_t)(new + end - p))) != NULL; p++)
        fresh++;
    size_t cap = 16;
    while (cap < (size_t)lines * 2)
        cap <<= 1;
    slot_t *table = PyMem_Calloc(cap, sizeof(slot_t));
    span_t *spans = PyMem_Malloc((size_t)(lines > fresh ? lines : fresh) * sizeof(span_t));
    if (table == NULL || spans == NULL) {
        PyMem_Free(table);
        PyMem_Free(spans);
        Py_DECREF(out);
        return PyErr_NoMemory();
    }
    /* hashed in one pass, then put in the table with the slot AHEAD lines on asked for: most of the
     * time goes on waiting for slots of a table larger than the cache */
    static const char empty[1] = {0};
    Py_ssize_t count = 0;
    for (const char *at = old;;) {
        const char *nl = memchr(at, '\n', (size_t)(old + lo - at));
        Py_ssize_t n = (nl == NULL ? old + lo : nl) - at;
        spans[count++] = (span_t){n ? at : empty, n, line_hash(at, n), 0};
        if (nl == NULL)
            break;
        at = nl + 1;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        if (i + AHEAD < count)
            PREFETCH(&table[(size_t)spans[i + AHEAD].hash & (cap - 1)]);
        slot_t *slot = find_slot(table, cap, spans[i].hash, spans[i].at, spans[i].len);
        if (slot->at == NULL) {
            slot->hash = spans[i].hash;
            slot->at = spans[i].at;
            slot->len = spans[i].len;
        }
    }

    /* the lines of new[ws:we], numbered from 0; those starting in [start, end) may be added */
    count = 0;
    Py_ssize_t index = 0;
    const char *at = new + ws, *stop = new + we, *rs = new + start, *re = new + end;
    while (at < re) {
        const char *nl = memchr(at, '\n', (size_t)(stop - at));
        Py_ssize_t n = (nl == NULL ? stop : nl) - at;
        if (at >= rs && !blank(at, n))
            spans[count++] = (span_t){at, n, line_hash(at, n), index};
        if (nl == NULL)
            break;
        at = nl + 1;
        index++;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        if (i + AHEAD < count)
            PREFETCH(&table[(size_t)spans[i + AHEAD].hash & (cap - 1)]);
        if (find_slot(table, cap, spans[i].hash, spans[i].at, spans[i].len)->at == NULL) {
            PyObject *v = PyLong_FromSsize_t(spans[i].index);
            if (v == NULL || PyList_Append(out, v) < 0) {
                Py_XDECREF(v);
                Py_DECREF(out);
                PyMem_Free(table);
                PyMem_Free(spans);
                return NULL;
            }
            Py_DECREF(v);
        }
    }
    PyMem_Free(table);
    PyMem_Free(spans);
    return out;
}

/* gitblobs.around_lines: the lines of data[ws:we] within `context` of a line numbered in `hit`
 * (ascending), joined with newlines, and their numbers; without splitting the region into a list. */
static PyObject *
lines_around(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5 || !PyBytes_Check(args[0]) || !PyList_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "lines_around(data: bytes, ws: int, we: int, hit: list, context: int)");
        return NULL;
    }
    const char *data = PyBytes_AS_STRING(args[0]);
    Py_ssize_t n = PyBytes_GET_SIZE(args[0]);
    Py_ssize_t ws = PyNumber_AsSsize_t(args[1], NULL), we = PyNumber_AsSsize_t(args[2], NULL);
    Py_ssize_t context = PyNumber_AsSsize_t(args[4], NULL);
    if (PyErr_Occurred())
        return NULL;
    if (!(0 <= ws && ws <= we && we <= n) || context < 0) {
        PyErr_SetString(PyExc_ValueError, "lines_around: need 0 <= ws <= we <= len(data) and context >= 0");
        return NULL;
    }
    PyObject *hit = args[3];
    Py_ssize_t nhit = PyList_GET_SIZE(hit);
    /* lines in the region: one more than its newlines, one fewer when data[we - 1] is a newline */
    Py_ssize_t lines = 1;
    for (const char *p = data + ws; p < data + we && (p = memchr(p, '\n', (size_t)(data + we - p))) != NULL; p++)
        lines++;
    if (we >= 1 && data[we - 1] == '\n')
        lines--;
    PyObject *keep = PyList_New(0), *out = NULL;
    char *buf = NULL;
    if (keep == NULL)
        return NULL;
    Py_ssize_t cap = 0, len = 0, line = 0, k = 0, prev = PY_SSIZE_T_MIN;
    const char *at = data + ws;
    for (; k < nhit; k++) {
        Py_ssize_t h = PyNumber_AsSsize_t(PyList_GET_ITEM(hit, k), NULL);
        if (h == -1 && PyErr_Occurred())
            goto fail;
        if (h < prev || h < 0) {
            PyErr_SetString(PyExc_ValueError, "lines_around: hit must ascend, from 0");
            goto fail;
        }
        prev = h;
        Py_ssize_t lo = h - context < line ? line : h - context;
        Py_ssize_t hi = h > PY_SSIZE_T_MAX - context ? PY_SSIZE_T_MAX : h + context;
        if (hi >= lines)
            hi = lines - 1;
        for (Py_ssize_t j = line; j <= hi; j++) { /* walk to line j; copy it when j >= lo */
            const char *nl = memchr(at, '\n', (size_t)(data + we - at));
            const char *e = nl == NULL ? data + we : nl;
            if (j >= lo) {
                Py_ssize_t need = len + (e - at) + 1;
                if (need > cap) {
                    Py_ssize_t grown = cap ? cap : 4096;
                    while (grown < need)
                        grown *= 2;
                    char *b = PyMem_Realloc(buf, (size_t)grown);
                    if (b == NULL) {
                        PyErr_NoMemory();
                        goto fail;
                    }
                    buf = b;
                    cap = grown;
                }
                if (PyList_GET_SIZE(keep) > 0)
                    buf[len++] = '\n';
                memcpy(buf + len, at, (size_t)(e - at));
                len += e - at;
                PyObject *v = PyLong_FromSsize_t(j);
                if (v == NULL || PyList_Append(keep, v) < 0) {
                    Py_XDECREF(v);
                    goto fail;
                }
                Py_DECREF(v);
            }
            at = nl == NULL ? data + we : nl + 1;
            line = j + 1;
        }
    }
    out = Py_BuildValue("(y#N)", buf ? buf : "", len, keep);
    PyMem_Free(buf);
    return out;
fail:
    PyMem_Free(buf);
    Py_DECREF(keep);
    return NULL;
}

/* window_hashes(data, ends) -> [hash of the window around each keyword end] (an end is an int, or
 * a tuple whose first item is one): the lines around the keyword's last byte, the previous line,
 * its own and the next one, with their newlines (gitblobs.window_hashes_py says the same in Python;
 * the hash is the process's hash of those bytes, as hash(bytes) gives it), in the order of `ends`. */
static PyObject *
window_hashes(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyBytes_Check(args[0]) || !PyList_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "window_hashes(data: bytes, ends: list)");
        return NULL;
    }
    const char *s = PyBytes_AS_STRING(args[0]);
    Py_ssize_t n = PyBytes_GET_SIZE(args[0]);
    PyObject *ends = args[1], *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(ends); k++) {
        PyObject *item = PyList_GET_ITEM(ends, k);
        if (PyTuple_Check(item) && PyTuple_GET_SIZE(item) > 0)
            item = PyTuple_GET_ITEM(item, 0);
        Py_ssize_t e = PyNumber_AsSsize_t(item, NULL);
        if (e == -1 && PyErr_Occurred())
            goto fail;
        if (e < 1 || e > n) {
            PyErr_SetString(PyExc_ValueError, "window_hashes: an end outside 1..len(data)");
            goto fail;
        }
        Py_ssize_t pos = e - 1, ls = line_start(s, pos);
        Py_ssize_t a = ls > 0 ? line_start(s, ls - 1) : 0;
        Py_ssize_t le = line_end(s, n, pos);
        Py_ssize_t b = le < n ? line_end(s, n, le) : n;
        PyObject *h = PyLong_FromSsize_t((Py_ssize_t)_Py_HashBytes(s + a, b - a));
        if (h == NULL || PyList_Append(out, h) < 0) {
            Py_XDECREF(h);
            goto fail;
        }
        Py_DECREF(h);
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int
unhex(const char *hex, Py_ssize_t len, unsigned char *out)
{
    for (Py_ssize_t i = 0; i < len; i++) {
        int v = 0;
        for (int half = 0; half < 2; half++) {
            char c = hex[2 * i + half];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0)
                return -1;
            v = v << 4 | d;
        }
        out[i] = (unsigned char)v;
    }
    return 0;
}

/* The offset of object `id` (hl bytes) in the pack of a version 2 index, or -1. Every read is
 * checked against the index's size: a truncated or foreign file gives -1, never a read outside. */
static int64_t
idx_offset(const unsigned char *idx, Py_ssize_t size, const unsigned char *id, Py_ssize_t hl)
{
    if (size < 8 + 1024 || memcmp(idx, "\377tOc", 4) != 0 || be32(idx + 4) != 2)
        return -1;
    const unsigned char *fan = idx + 8;
    Py_ssize_t count = be32(fan + 255 * 4);
    if (count > (size - 1032) / (hl + 8))
        return -1;
    Py_ssize_t lo = id[0] ? be32(fan + (id[0] - 1) * 4) : 0, hi = be32(fan + id[0] * 4);
    if (hi > count)
        hi = count;
    const unsigned char *ids = idx + 1032;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        int c = memcmp(ids + mid * hl, id, (size_t)hl);
        if (c == 0) {
            const unsigned char *offs = ids + count * (hl + 4);
            uint32_t o = be32(offs + mid * 4);
            if (!(o & 0x80000000u))
                return o;
            Py_ssize_t big = 1032 + count * (hl + 8) + (Py_ssize_t)(o & 0x7fffffffu) * 8;
            if (big + 8 > size)
                return -1;
            return (int64_t)((uint64_t)be32(idx + big) << 32 | be32(idx + big + 4)) & INT64_MAX;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* pack_keys(indexes, ids) -> [key]: for each hex object id, the first index (a buffer: the bytes of
 * a pack's .idx file, version 2) that has it and the object's offset in that pack, as
 * number * 2**40 + offset; len(indexes) * 2**40 for an id in none (a loose object, a foreign index).
 * Sorting by the key reads objects in the order their packs store them. */
static PyObject *
pack_keys(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyList_Check(args[0]) || !PyList_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "pack_keys(indexes: list, ids: list)");
        return NULL;
    }
    Py_ssize_t npacks = PyList_GET_SIZE(args[0]), nids = PyList_GET_SIZE(args[1]);
    Py_buffer *views = PyMem_Calloc(npacks ? (size_t)npacks : 1, sizeof(Py_buffer));
    PyObject *out = NULL;
    Py_ssize_t got = 0;
    if (views == NULL)
        return PyErr_NoMemory();
    for (; got < npacks; got++)
        if (PyObject_GetBuffer(PyList_GET_ITEM(args[0], got), &views[got], PyBUF_SIMPLE) < 0)
            goto done;
    if ((out = PyList_New(nids)) == NULL)
        goto done;
    for (Py_ssize_t k = 0; k < nids; k++) {
        PyObject *hex = PyList_GET_ITEM(args[1], k);
        Py_ssize_t len = 0;
        const char *h = PyUnicode_Check(hex) ? PyUnicode_AsUTF8AndSize(hex, &len) : NULL;
        if (h == NULL && PyErr_Occurred())
            PyErr_Clear();
        unsigned char id[32];
        int64_t key = (int64_t)npacks << 40;
        if (h != NULL && (len == 40 || len == 64) && unhex(h, len / 2, id) == 0)
            for (Py_ssize_t p = 0; p < npacks; p++) {
                int64_t off = idx_offset(views[p].buf, views[p].len, id, len / 2);
                if (off >= 0 && off < ((int64_t)1 << 40)) {
                    key = ((int64_t)p << 40) + off;
                    break;
                }
            }
        PyObject *v = PyLong_FromLongLong(key);
        if (v == NULL) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, k, v);
    }
done:
    for (Py_ssize_t p = 0; p < got; p++)
        PyBuffer_Release(&views[p]);
    PyMem_Free(views);
    return out;
}

static PyMethodDef methods[] = {
    {"changed_region", (PyCFunction)(void (*)(void))changed_region, METH_FASTCALL,
     "changed_region(old, new, context) -> (start, end, old_end, context_start, context_end) or None"},
    {"lines_around", (PyCFunction)(void (*)(void))lines_around, METH_FASTCALL,
     "lines_around(data, ws, we, hit, context) -> (the lines of data[ws:we] within context of one in hit, "
     "joined with newlines; their numbers)"},
    {"added_lines", (PyCFunction)(void (*)(void))added_lines, METH_FASTCALL,
     "added_lines(old, new, ws, we, start, end) -> numbers (from 0) of the lines of new[ws:we] that start in "
     "new[start:end], are not blank and are no line of old"},
    {"window_hashes", (PyCFunction)(void (*)(void))window_hashes, METH_FASTCALL,
     "window_hashes(data, ends) -> [the hash of the lines around each keyword end]"},
    {"pack_keys", (PyCFunction)(void (*)(void))pack_keys, METH_FASTCALL,
     "pack_keys(indexes, ids) -> [pack number * 2**40 + offset] of each id (len(indexes) * 2**40 when in none)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_blobdiff", "The changed region of two versions of a file, and its added lines.", -1, methods,
};

PyMODINIT_FUNC
PyInit__blobdiff(void)
{
    return PyModule_Create(&module);
}
