/* JSON text of plain data, exactly as Python's json.dumps writes it with ensure_ascii=False and
 * allow_nan=False (and with sort_keys and the separators asked for), or None when the value is not plain:
 * then the caller runs json.dumps itself, which raises or writes what it always did.
 *
 * Plain: None, True, False, and objects of exactly these types: str (no lone surrogate), int, float (finite),
 * list, tuple, and dict with str keys only, nested at most MAX_DEPTH deep. Anything else (a subclass, a date,
 * a non-str key, NaN, a surrogate, deeper nesting, a cycle) answers None. What is written uses the same
 * pieces json's own encoder uses: int.__repr__ and float.__repr__ for numbers, and its escapes for text
 * (quote, backslash, \b \f \n \r \t, other characters below U+0020 as \u00xx with lower-case hex; nothing
 * else escaped). Keys are sorted by code point, as json sorts them (str comparison).
 *
 * json.dumps builds a Python string for every key and every text and a list of (key, value) tuples for
 * every dict it sorts; a reading worker writes a record's canonical JSON (tests/test_jsontext.py) about four
 * times faster by writing UTF-8 into one buffer. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct {
    char *data;
    Py_ssize_t len, cap;
    int sort_keys;
    const char *item_sep, *key_sep;
    Py_ssize_t item_sep_len, key_sep_len;
} Out;

/* 0 when written; -1 with an exception set (memory); 1 when the value is not plain (no exception). */
enum { OK = 0, FAILED = -1, NOT_PLAIN = 1 };

static int
grow(Out *out, Py_ssize_t more)
{
    if (out->len + more <= out->cap)
        return OK;
    Py_ssize_t cap = out->cap ? out->cap : 4096;
    while (cap < out->len + more) {
        if (cap > PY_SSIZE_T_MAX / 2) {
            PyErr_NoMemory();
            return FAILED;
        }
        cap *= 2;
    }
    char *data = PyMem_Realloc(out->data, (size_t)cap);
    if (data == NULL) {
        PyErr_NoMemory();
        return FAILED;
    }
    out->data = data;
    out->cap = cap;
    return OK;
}

static int
put(Out *out, const char *bytes, Py_ssize_t n)
{
    if (grow(out, n) != OK)
        return FAILED;
    memcpy(out->data + out->len, bytes, (size_t)n);
    out->len += n;
    return OK;
}

static const char HEX[] = "0123456789abcdef";

/* the ASCII characters json escapes: quote, backslash, and everything below U+0020 */
static inline int
needs_escape(Py_UCS4 c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

static inline int
short_escape(Py_UCS4 c)
{
    return c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t';
}

/* json's escape of a character ``needs_escape`` names, written at ``p``: \" \\ \b \f \n \r \t, or \u00xx */
static inline char *
put_escape(char *p, Py_UCS4 c)
{
    *p++ = '\\';
    switch (c) {
    case '"': *p++ = '"'; break;
    case '\\': *p++ = '\\'; break;
    case '\b': *p++ = 'b'; break;
    case '\f': *p++ = 'f'; break;
    case '\n': *p++ = 'n'; break;
    case '\r': *p++ = 'r'; break;
    case '\t': *p++ = 't'; break;
    default:
        *p++ = 'u'; *p++ = '0'; *p++ = '0'; *p++ = HEX[(c >> 4) & 0xf]; *p++ = HEX[c & 0xf];
    }
    return p;
}

#define LONG_TEXT (1 << 16)  /* characters: a longer text is measured before room is made for it */

/* the bytes a text takes written (quotes included); -2 for a lone surrogate, -1 with MemoryError set */
static Py_ssize_t
text_size(int kind, const void *data, Py_ssize_t n)
{
    Py_ssize_t size = 2;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        int bytes;
        if (c < 0x80)
            bytes = !needs_escape(c) ? 1 : short_escape(c) ? 2 : 6;
        else if (c < 0x800)
            bytes = 2;
        else if (c < 0x10000) {
            if (c >= 0xd800 && c <= 0xdfff)
                return -2;
            bytes = 3;
        }
        else
            bytes = 4;
        if (size > PY_SSIZE_T_MAX - bytes) {
            PyErr_NoMemory();
            return -1;
        }
        size += bytes;
    }
    return size;
}

static int
put_text(Out *out, PyObject *text)
{
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0)  /* (a legacy string; every string is ready from Python 3.12) */
        return FAILED;
#endif
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    /* at most 6 bytes a character (\u00xx), 4 for any other, and the quotes; a long text is measured
       first, so that the buffer never takes six times the text */
    Py_ssize_t room;
    if (n <= LONG_TEXT)
        room = 6 * n + 2;
    else if ((room = text_size(kind, data, n)) < 0)
        return room == -2 ? NOT_PLAIN : FAILED;
    if (grow(out, room) != OK)
        return FAILED;
    char *p = out->data + out->len;
    *p++ = '"';
    if (PyUnicode_IS_ASCII(text)) {  /* copied in runs between the characters to escape */
        const unsigned char *ascii = PyUnicode_1BYTE_DATA(text);
        Py_ssize_t run = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            unsigned char c = ascii[i];
            if (!needs_escape(c))
                continue;
            memcpy(p, ascii + run, (size_t)(i - run));
            p += i - run;
            run = i + 1;
            p = put_escape(p, c);
        }
        memcpy(p, ascii + run, (size_t)(n - run));
        p += n - run;
        *p++ = '"';
        out->len = p - out->data;
        return OK;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 0x80) {
            if (needs_escape(c))
                p = put_escape(p, c);
            else
                *p++ = (char)c;
        }
        else if (c < 0x800) {
            *p++ = (char)(0xc0 | (c >> 6));
            *p++ = (char)(0x80 | (c & 0x3f));
        }
        else if (c < 0x10000) {
            if (c >= 0xd800 && c <= 0xdfff)
                return NOT_PLAIN;  /* a lone surrogate: not UTF-8 (json.dumps writes it; the caller refuses it) */
            *p++ = (char)(0xe0 | (c >> 12));
            *p++ = (char)(0x80 | ((c >> 6) & 0x3f));
            *p++ = (char)(0x80 | (c & 0x3f));
        }
        else {
            *p++ = (char)(0xf0 | (c >> 18));
            *p++ = (char)(0x80 | ((c >> 12) & 0x3f));
            *p++ = (char)(0x80 | ((c >> 6) & 0x3f));
            *p++ = (char)(0x80 | (c & 0x3f));
        }
    }
    *p++ = '"';
    out->len = p - out->data;
    return OK;
}

/* int.__repr__ or float.__repr__ of ``value``, as json's encoder writes numbers (ASCII) */
static int
put_repr(Out *out, PyObject *value, reprfunc repr)
{
    PyObject *text = repr(value);
    if (text == NULL) {  /* an int too long to write (sys.set_int_max_str_digits): json.dumps says so */
        PyErr_Clear();
        return NOT_PLAIN;
    }
    Py_ssize_t n;
    const char *bytes = PyUnicode_AsUTF8AndSize(text, &n);
    int done = bytes == NULL ? FAILED : put(out, bytes, n);
    Py_DECREF(text);
    return done;
}

/* an int as int.__repr__ writes it: in decimal, a minus sign before a negative one */
static int
put_int(Out *out, PyObject *value)
{
    int overflow = 0;
    long long n = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (overflow || (n == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return put_repr(out, value, PyLong_Type.tp_repr);
    }
    char digits[24];
    char *end = digits + sizeof digits, *p = end;
    unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n < 0)
        *--p = '-';
    return put(out, p, end - p);
}

typedef struct {
    PyObject *key, *value;
} Item;

/* str comparison (by code point) of two keys; one-byte keys (Latin-1, as nearly every key is) compared
   by their bytes, which are their code points */
static int
compare_keys(PyObject *a, PyObject *b)
{
    if (PyUnicode_KIND(a) == PyUnicode_1BYTE_KIND && PyUnicode_KIND(b) == PyUnicode_1BYTE_KIND) {
        Py_ssize_t la = PyUnicode_GET_LENGTH(a), lb = PyUnicode_GET_LENGTH(b);
        int c = memcmp(PyUnicode_1BYTE_DATA(a), PyUnicode_1BYTE_DATA(b), (size_t)(la < lb ? la : lb));
        return c ? c : (la > lb) - (la < lb);
    }
    return PyUnicode_Compare(a, b);
}

static int
compare_items(const void *a, const void *b)
{
    return compare_keys(((const Item *)a)->key, ((const Item *)b)->key);
}

/* sorted by key: few items (a record's dicts have a handful) by insertion, more by qsort */
static void
sort_items(Item *items, Py_ssize_t n)
{
    if (n > 16) {
        qsort(items, (size_t)n, sizeof(Item), compare_items);
        return;
    }
    for (Py_ssize_t i = 1; i < n; i++) {
        Item item = items[i];
        Py_ssize_t j = i;
        while (j > 0 && compare_keys(items[j - 1].key, item.key) > 0) {
            items[j] = items[j - 1];
            j--;
        }
        items[j] = item;
    }
}

static int put_value(Out *out, PyObject *value, int depth);

static int
put_dict(Out *out, PyObject *dict, int depth)
{
    Py_ssize_t n = PyDict_GET_SIZE(dict);
    if (put(out, "{", 1) != OK)
        return FAILED;
    if (n == 0)
        return put(out, "}", 1);
    Item few[16];
    Item *items = n <= 16 ? few : PyMem_Malloc((size_t)n * sizeof(Item));
    if (items == NULL) {
        PyErr_NoMemory();
        return FAILED;
    }
    Py_ssize_t pos = 0, i = 0;
    PyObject *key, *value;
    int done = OK;
    while (i < n && PyDict_Next(dict, &pos, &key, &value)) {
        if (!PyUnicode_CheckExact(key)) {
            done = NOT_PLAIN;
            break;
        }
        items[i].key = key;
        items[i].value = value;
        i++;
    }
    if (done == OK && i != n)
        done = NOT_PLAIN;  /* (the dict changed size: never, as nothing here runs Python code) */
    if (done == OK && out->sort_keys && n > 1)
        sort_items(items, n);
    /* borrowed references: nothing below runs Python code that could change the dict */
    for (i = 0; done == OK && i < n; i++) {
        if (i > 0)
            done = put(out, out->item_sep, out->item_sep_len);
        if (done == OK)
            done = put_text(out, items[i].key);
        if (done == OK)
            done = put(out, out->key_sep, out->key_sep_len);
        if (done == OK)
            done = put_value(out, items[i].value, depth + 1);
    }
    if (items != few)
        PyMem_Free(items);
    return done == OK ? put(out, "}", 1) : done;
}

static int
put_sequence(Out *out, PyObject *seq, int depth)
{
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    if (put(out, "[", 1) != OK)
        return FAILED;
    for (Py_ssize_t i = 0; i < n; i++) {
        int done = OK;
        if (i > 0)
            done = put(out, out->item_sep, out->item_sep_len);
        if (done == OK)
            done = put_value(out, items[i], depth + 1);
        if (done != OK)
            return done;
    }
    return put(out, "]", 1);
}

static int
put_value(Out *out, PyObject *value, int depth)
{
    if (depth > MAX_DEPTH)
        return NOT_PLAIN;
    if (value == Py_None)
        return put(out, "null", 4);
    if (value == Py_True)
        return put(out, "true", 4);
    if (value == Py_False)
        return put(out, "false", 5);
    if (PyUnicode_CheckExact(value))
        return put_text(out, value);
    if (PyLong_CheckExact(value))
        return put_int(out, value);
    if (PyFloat_CheckExact(value)) {
        if (!isfinite(PyFloat_AS_DOUBLE(value)))
            return NOT_PLAIN;
        return put_repr(out, value, PyFloat_Type.tp_repr);
    }
    if (PyDict_CheckExact(value))
        return put_dict(out, value, depth);
    if (PyList_CheckExact(value) || PyTuple_CheckExact(value))
        return put_sequence(out, value, depth);
    return NOT_PLAIN;
}

static PyObject *
encode(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *value, *item_sep, *key_sep;
    int sort_keys;
    Out out = {NULL, 0, 0, 0, NULL, NULL, 0, 0};
    if (!PyArg_ParseTuple(args, "OpOO:encode", &value, &sort_keys, &item_sep, &key_sep))
        return NULL;
    /* separators: exact str that UTF-8 can hold (else json.dumps says what it makes of them) */
    if (!PyUnicode_CheckExact(item_sep) || !PyUnicode_CheckExact(key_sep))
        Py_RETURN_NONE;
    out.item_sep = PyUnicode_AsUTF8AndSize(item_sep, &out.item_sep_len);
    out.key_sep = out.item_sep == NULL ? NULL : PyUnicode_AsUTF8AndSize(key_sep, &out.key_sep_len);
    if (out.key_sep == NULL) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    out.sort_keys = sort_keys;
    int done = put_value(&out, value, 0);
    PyObject *text = NULL;
    if (done == OK)
        text = PyUnicode_DecodeUTF8(out.data, out.len, "strict");
    PyMem_Free(out.data);
    if (done == FAILED && PyErr_ExceptionMatches(PyExc_MemoryError))
        PyErr_Clear();  /* no room here: json.dumps tries, and raises its own MemoryError if it has none either */
    else if (done == FAILED)
        return NULL;
    if (done != OK)
        Py_RETURN_NONE;
    return text;
}

static PyMethodDef METHODS[] = {
    {"encode", encode, METH_VARARGS,
     "encode(value, sort_keys, item_separator, key_separator): json.dumps's text of plain data, else None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT, "_jsontext", NULL, -1, METHODS, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__jsontext(void)
{
    PyObject *module = PyModule_Create(&MODULE);
    if (module != NULL && PyModule_AddIntConstant(module, "ABI", 1) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
