/* One pass in C over a WordprocessingML table that lxml has parsed: each cell's text, span, vertical merge
 * and content controls, read from libxml2's tree as formkit.ooxml.grid._plain_grid reads them through lxml.
 *
 * scan(tbl, columns, positions, Cell) -> the table's rows, each a list of Cell (a merged cell at every grid
 * position it covers, the same object), laid out as grid._place lays them out, or None.
 * None says "read this table in Python": anything the plain walk treats with care (a row or cell not directly
 * in its table or row, a nested table, a legacy check box, a w:gridSpan that is not plain digits, an attribute
 * that is not one text node) and a table larger than ``columns`` per row or ``positions`` in all (the Python
 * walk then raises the limit's error, before anything beyond them is allocated). The tree is only read, never changed, while the GIL is held; the walk
 * follows parent pointers (no recursion), within ``tbl``.
 *
 * Built by hatch_build.py when a C compiler is there; formkit reads tables in Python without it
 * (tests/test_tablescan.py proves both give the same grid). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <libxml/tree.h>

/* lxml's element proxy (lxml/etree.h, struct LxmlElement): what precedes its libxml2 node. */
typedef struct {
    PyObject_HEAD
    void *_doc;
    xmlNode *_c_node;
} Element;

static PyTypeObject *element_type = NULL;
static const char W[] = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
static const char W14[] = "http://schemas.microsoft.com/office/word/2010/wordml";

enum { T_OTHER, T_T, T_P, T_TC, T_TR, T_TBL, T_GRIDSPAN, T_VMERGE, T_SDTPR, T_TAB, T_BR, T_CR, T_CHECKBOX };

/* The namespace declarations found to be W's and W14's in the table being scanned (reset by every scan): an
 * element's namespace is most often one already met, compared by its address before its name. */
static _Thread_local const xmlNs *w_ns = NULL, *w14_ns = NULL;

static int in_ns(const xmlNode *n, const char *href) {
    if (n->type != XML_ELEMENT_NODE || n->ns == NULL) return 0;
    const xmlNs **known = href == W ? &w_ns : &w14_ns;
    if (n->ns == *known) return 1;
    if (n->ns->href == NULL || strcmp((const char *)n->ns->href, href) != 0) return 0;
    *known = n->ns;
    return 1;
}

static int is_w(const xmlNode *n, const char *name) {
    return n != NULL && in_ns(n, W) && strcmp((const char *)n->name, name) == 0;
}

static int kind(const xmlNode *n) {
    if (!in_ns(n, W)) return T_OTHER;
    const char *s = (const char *)n->name;
    switch (s[0]) {
    case 't':
        if (!strcmp(s, "t")) return T_T;
        if (!strcmp(s, "tc")) return T_TC;
        if (!strcmp(s, "tr")) return T_TR;
        if (!strcmp(s, "tbl")) return T_TBL;
        if (!strcmp(s, "tab")) return T_TAB;
        return T_OTHER;
    case 'p': return strcmp(s, "p") ? T_OTHER : T_P;
    case 'g': return strcmp(s, "gridSpan") ? T_OTHER : T_GRIDSPAN;
    case 'v': return strcmp(s, "vMerge") ? T_OTHER : T_VMERGE;
    case 's': return strcmp(s, "sdtPr") ? T_OTHER : T_SDTPR;
    case 'b': return strcmp(s, "br") ? T_OTHER : T_BR;
    case 'c':
        if (!strcmp(s, "cr")) return T_CR;
        if (!strcmp(s, "checkBox")) return T_CHECKBOX;
        return T_OTHER;
    }
    return T_OTHER;
}

/* What lxml counts as a child (el[0], iteration): elements, comments, processing instructions, entity refs. */
static int lxml_child(const xmlNode *n) {
    return n->type == XML_ELEMENT_NODE || n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE ||
           n->type == XML_ENTITY_REF_NODE;
}

static const xmlNode *first_child(const xmlNode *n) {
    const xmlNode *c = n->children;
    while (c != NULL && !lxml_child(c)) c = c->next;
    return c;
}

/* The value of attribute {href}name: 1 found (*value set, NULL for an empty value), 0 absent, -1 not one
 * plain text node (left to Python). */
static int attr(const xmlNode *n, const char *href, const char *name, const char **value) {
    for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
        if (a->ns == NULL || a->ns->href == NULL || strcmp((const char *)a->name, name) != 0 ||
            strcmp((const char *)a->ns->href, href) != 0)
            continue;
        const xmlNode *c = a->children;
        if (c == NULL) { *value = NULL; return 1; }
        if (c->type != XML_TEXT_NODE || c->next != NULL) return -1;
        *value = (const char *)c->content;
        return 1;
    }
    return 0;
}

typedef struct { char *data; size_t len, cap; } Buffer;

static int put(Buffer *b, const char *s, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        char *d = PyMem_Realloc(b->data, cap);
        if (d == NULL) { PyErr_NoMemory(); return -1; }
        b->data = d; b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

/* lxml's el.text: the text and CDATA nodes that open the element (XInclude markers skipped). */
static int put_text(Buffer *b, const xmlNode *el) {
    for (const xmlNode *c = el->children; c != NULL; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (c->content != NULL && put(b, (const char *)c->content, strlen((const char *)c->content)) < 0)
                return -1;
        } else if (c->type != XML_XINCLUDE_START && c->type != XML_XINCLUDE_END) {
            break;
        }
    }
    return 0;
}

typedef struct {
    const xmlNode *tc;
    Buffer text;
    long paragraphs, span;
    int continues, extra, placeholder, checked; /* checked: -1 unknown, 0, 1 */
    PyObject *tags;                             /* a list, made when a tag is met */
} CellState;

static void reset(CellState *c, const xmlNode *tc) {
    c->tc = tc; c->text.len = 0; c->paragraphs = 0; c->span = 1;
    c->continues = c->extra = c->placeholder = 0; c->checked = -1;
    Py_CLEAR(c->tags);
}

/* A content control's properties (grid._control): whether it shows its placeholder, its tag, its check box. */
static int control(CellState *c, const xmlNode *pr) {
    const xmlNode *tag = NULL, *box = NULL;
    for (const xmlNode *p = pr->children; p != NULL; p = p->next) {
        if (!in_ns(p, W) && !in_ns(p, W14)) continue;
        if (in_ns(p, W) && !strcmp((const char *)p->name, "showingPlcHdr")) c->placeholder = 1;
        else if (in_ns(p, W) && !strcmp((const char *)p->name, "tag") && tag == NULL) tag = p;
        else if (in_ns(p, W14) && !strcmp((const char *)p->name, "checkbox") && box == NULL) box = p;
    }
    if (tag != NULL) {
        const char *value = NULL;
        int found = attr(tag, W, "val", &value);
        if (found < 0) return 1;
        if (found && value != NULL && value[0]) {
            if (c->tags == NULL && (c->tags = PyList_New(0)) == NULL) return -1;
            PyObject *s = PyUnicode_FromString(value);
            if (s == NULL || PyList_Append(c->tags, s) < 0) { Py_XDECREF(s); return -1; }
            Py_DECREF(s);
        }
    }
    if (box != NULL) {
        const xmlNode *state = NULL;
        for (const xmlNode *s = box->children; s != NULL; s = s->next)
            if (in_ns(s, W14) && !strcmp((const char *)s->name, "checked")) { state = s; break; }
        c->checked = 0;
        if (state != NULL) {
            const char *value = NULL;
            int found = attr(state, W14, "val", &value);
            if (found < 0) return 1;
            if (found && value != NULL && (!strcmp(value, "1") || !strcmp(value, "true"))) c->checked = 1;
        }
    }
    return 0;
}

/* What the grid of one table needs as its cells close: the rows laid out so far, the Cell class, the limits. */
typedef struct {
    PyObject *rows, *cell_type;
    Py_ssize_t columns, positions, used;
} Grid;

static PyObject *strip_name = NULL;

/* Close the cell: lay it out over the columns it spans in row (grid._place): the cell above when it
 * continues it, else a new Cell. 1: beyond the limits (left to Python, which says so), -1: an error. */
static int close_cell(CellState *c, PyObject *row, Grid *g) {
    Py_ssize_t col = PyList_GET_SIZE(row), r = PyList_GET_SIZE(g->rows);
    c->tc = NULL;
    g->used += c->span;
    if (col + c->span > g->columns || g->used > g->positions) return 1;
    PyObject *cell = NULL;
    if (c->continues && r > 0) {
        PyObject *above = PyList_GET_ITEM(g->rows, r - 1);
        if (col < PyList_GET_SIZE(above)) {
            cell = PyList_GET_ITEM(above, col);
            Py_INCREF(cell);
        }
    }
    if (cell == NULL) {
        PyObject *raw = PyUnicode_DecodeUTF8(c->text.data ? c->text.data : "", (Py_ssize_t)c->text.len, "strict");
        if (raw == NULL) return -1;
        PyObject *text = PyObject_CallMethodNoArgs(raw, strip_name);
        Py_DECREF(raw);
        if (text == NULL) return -1;
        PyObject *args[7] = {text, PyLong_FromSsize_t(r), PyLong_FromSsize_t(col), PyLong_FromLong(c->span),
                             NULL, NULL, NULL};
        size_t nargs = 4;
        if (c->extra) {
            args[4] = Py_NewRef(c->placeholder ? Py_True : Py_False);
            args[5] = Py_NewRef(c->checked < 0 ? Py_None : (c->checked ? Py_True : Py_False));
            args[6] = c->tags ? PyList_AsTuple(c->tags) : PyTuple_New(0);
            nargs = 7;
        }
        int complete = 1;
        for (size_t i = 0; i < nargs; i++) complete = complete && args[i] != NULL;
        if (complete) cell = PyObject_Vectorcall(g->cell_type, args, nargs, NULL);
        for (size_t i = 0; i < nargs; i++) Py_XDECREF(args[i]);
        if (cell == NULL) return -1;
    }
    for (long i = 0; i < c->span; i++) {
        if (PyList_Append(row, cell) < 0) {
            Py_DECREF(cell);
            return -1;
        }
    }
    Py_DECREF(cell);
    return 0;
}

/* el is inside the cell tc, not in a row or table between them (grid._inside). */
static int inside(const xmlNode *el, const xmlNode *tc) {
    for (const xmlNode *p = el->parent; p != NULL; p = p->parent) {
        if (p == tc) return 1;
        if (is_w(p, "tr") || is_w(p, "tbl")) return 0;
    }
    return 0;
}

/* The next node after n in document order within top, not entering n's children when skip_children. */
static const xmlNode *following(const xmlNode *n, const xmlNode *top, int skip_children) {
    if (!skip_children && n->type == XML_ELEMENT_NODE && n->children != NULL) return n->children;
    while (n != top) {
        if (n->next != NULL) return n->next;
        n = n->parent;
        if (n == NULL) return NULL;
    }
    return NULL;
}

static PyObject *scan(PyObject *self, PyObject *args) {
    PyObject *element, *cell_type;
    Py_ssize_t columns, positions;
    if (!PyArg_ParseTuple(args, "OnnO", &element, &columns, &positions, &cell_type)) return NULL;
    if (!PyObject_TypeCheck(element, element_type)) {
        PyErr_SetString(PyExc_TypeError, "scan() takes an lxml element");
        return NULL;
    }
    const xmlNode *tbl = ((Element *)element)->_c_node;
    w_ns = w14_ns = NULL;
    if (tbl == NULL || !is_w(tbl, "tbl")) {
        PyErr_SetString(PyExc_ValueError, "scan() takes a w:tbl element");
        return NULL;
    }
    PyObject *rows = PyList_New(0), *row = NULL;
    if (rows == NULL) return NULL;
    Grid g = {rows, cell_type, columns, positions, 0};
    CellState c = {0};
    const xmlNode *tr = NULL;
    int plain = 1, closed;
    for (const xmlNode *n = tbl->children; n != NULL && plain; n = following(n, tbl, 0)) {
        if (n->type != XML_ELEMENT_NODE) continue;
        int k = kind(n);
        if (k == T_OTHER) continue;
        if (k == T_TC || k == T_TR) {
            if (c.tc != NULL && (closed = close_cell(&c, row, &g)) != 0) {
                if (closed < 0) goto error;
                plain = 0;
                break;
            }
            if (k == T_TR) {
                if (n->parent != tbl) { plain = 0; break; }
                if (row != NULL) {
                    if (PyList_Append(rows, row) < 0) goto error;
                    Py_CLEAR(row);
                }
                if ((row = PyList_New(0)) == NULL) goto error;
                tr = n;
            } else {
                if (tr == NULL || n->parent != tr) { plain = 0; break; }
                reset(&c, n);
            }
        } else if (c.tc == NULL) {
            if (k == T_TBL) plain = 0;
        } else if (k == T_T) {
            if (c.paragraphs && put_text(&c.text, n) < 0) goto error;
        } else if (k == T_P) {
            if (c.paragraphs && put(&c.text, "\n", 1) < 0) goto error;
            c.paragraphs++;
        } else if (k == T_GRIDSPAN || k == T_VMERGE) {
            const xmlNode *pr = n->parent;
            if (!is_w(pr, "tcPr") || pr->parent != c.tc || first_child(c.tc) != pr) continue;
            const char *value = NULL;
            int found = attr(n, W, "val", &value);
            if (found < 0) { plain = 0; break; }
            if (k == T_VMERGE) {
                c.continues = !found || (value != NULL && !strcmp(value, "continue"));
            } else if (found) {
                size_t len = value ? strlen(value) : 0;
                if (len == 0 || len > 9 || strspn(value, "0123456789") != len) { plain = 0; break; }
                long span = atol(value);
                c.span = span > 1 ? span : 1;
            } else {
                c.span = 1;
            }
        } else if (k == T_TBL || k == T_CHECKBOX) {
            plain = 0; /* a nested table, a legacy check box: the Python walk */
        } else if (c.paragraphs || k == T_SDTPR) {
            c.extra = 1;
            if (k == T_SDTPR) {
                if (is_w(n->parent, "sdt") && inside(n->parent, c.tc)) {
                    int r = control(&c, n);
                    if (r < 0) goto error;
                    if (r > 0) plain = 0;
                }
            } else if (k == T_TAB) {
                if (!is_w(n->parent, "tabs") && put(&c.text, "\t", 1) < 0) goto error;
            } else if (put(&c.text, "\n", 1) < 0) { /* w:br, w:cr */
                goto error;
            }
        }
    }
    if (plain && c.tc != NULL && (closed = close_cell(&c, row, &g)) != 0) {
        if (closed < 0) goto error;
        plain = 0;
    }
    if (plain && row != NULL && PyList_Append(rows, row) < 0) goto error;
    Py_XDECREF(row);
    Py_CLEAR(c.tags);
    PyMem_Free(c.text.data);
    if (!plain) {
        Py_DECREF(rows);
        Py_RETURN_NONE;
    }
    return rows;
error:
    Py_XDECREF(row);
    Py_DECREF(rows);
    Py_CLEAR(c.tags);
    PyMem_Free(c.text.data);
    return NULL;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, "scan(tbl, columns, positions, Cell): a table's rows of cells, or None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_tablescan", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__tablescan(void) {
    if ((strip_name = PyUnicode_InternFromString("strip")) == NULL) return NULL;
    PyObject *etree = PyImport_ImportModule("lxml.etree");
    if (etree == NULL) return NULL;
    element_type = (PyTypeObject *)PyObject_GetAttrString(etree, "_Element");
    Py_DECREF(etree);
    if (element_type == NULL) return NULL;
    if (!PyType_Check(element_type) || element_type->tp_basicsize < (Py_ssize_t)sizeof(Element)) {
        Py_CLEAR(element_type);
        PyErr_SetString(PyExc_ImportError, "lxml's element is not laid out as _tablescan expects");
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "ABI", 2) < 0) Py_CLEAR(m);
    return m;
}
