/* One streaming pass with expat (the parser Python itself ships, through pyexpat's C API) over the main part of
 * a plain .docx: its top-level tables as grids of cells, each with its caption, and whether it holds tracked
 * insertions; no tree is built. What it gives is what formkit.ooxml.grid gives from the tree lxml parses
 * (tests/test_bodyscan.py compares both on every document the tests know, and on damaged copies of them).
 *
 * scan(data, columns, positions, Cell) -> ([(rows, caption), ...], tracked) or None.
 * None says "parse this part with lxml and read it as before": anything this pass does not read exactly as
 * the tree's walk does, and anything a parser could disagree on: a part expat refuses, a DOCTYPE, a comment in
 * the document, a processing instruction anywhere, an xml: attribute but xml:space and xml:lang, a namespace
 * declared anywhere but on the root (or a prefix declared twice for one namespace, or not at all), a name that
 * is not a plain ASCII NCName or longer than LONGEST_NAME, a namespace URI not plainly written (ns_of), an
 * element nested deeper than DEPTH;
 * what makes a document careful (alternate content, deleted or moved-away text, hidden text, text boxes, legacy
 * check boxes, blocks wrapped in content controls or custom XML, a nested table, a row or cell not directly in
 * its table or row, a w:gridSpan that is not plain digits); a grid beyond ``columns`` per row or ``positions``
 * in all (the walk then raises the limit's error). The caller gives only a UTF-8 part of bounded size, its XML
 * declaration (if any) checked (streamed.py); expat is told it is UTF-8.
 *
 * Built by hatch_build.py when a C compiler is there; without it every part is parsed with lxml. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <string.h>

/* expat's types as pyexpat's C API (CPython's Include/pyexpat.h) declares them, without expat.h. */
typedef struct XML_ParserStruct *XML_Parser;
typedef void (*StartHandler)(void *, const char *, const char **);
typedef void (*EndHandler)(void *, const char *);
typedef void (*TextHandler)(void *, const char *, int);
typedef void (*CommentHandler)(void *, const char *);
typedef void (*PIHandler)(void *, const char *, const char *);
typedef void (*DoctypeHandler)(void *, const char *, const char *, const char *, int);

struct ExpatAPI {
    char *magic;
    int size;
    int major, minor, micro;
    const char *(*ErrorString)(int code);
    int (*GetErrorCode)(XML_Parser parser);
    unsigned long (*GetErrorColumnNumber)(XML_Parser parser);
    unsigned long (*GetErrorLineNumber)(XML_Parser parser);
    int (*Parse)(XML_Parser parser, const char *s, int len, int isFinal);
    XML_Parser (*ParserCreate_MM)(const char *encoding, const void *memsuite, const char *separator);
    void (*ParserFree)(XML_Parser parser);
    void (*SetCharacterDataHandler)(XML_Parser parser, TextHandler handler);
    void (*SetCommentHandler)(XML_Parser parser, CommentHandler handler);
    void (*SetDefaultHandlerExpand)(XML_Parser parser, void *handler);
    void (*SetElementHandler)(XML_Parser parser, StartHandler start, EndHandler end);
    void (*SetNamespaceDeclHandler)(XML_Parser parser, void *start, void *end);
    void (*SetProcessingInstructionHandler)(XML_Parser parser, PIHandler handler);
    void (*SetUnknownEncodingHandler)(XML_Parser parser, void *handler, void *data);
    void (*SetUserData)(XML_Parser parser, void *userData);
    void (*SetStartDoctypeDeclHandler)(XML_Parser parser, DoctypeHandler start);
};

static struct ExpatAPI *expat = NULL;

#define DEPTH 200     /* deeper: lxml reads it (and refuses beyond 256 levels) */
#define LONGEST_NAME 200  /* a longer element or attribute name: lxml reads it */
#define PREFIXES 64   /* namespace declarations on the root */
#define CHUNK (256 << 10)  /* bytes given to expat first (then twice as many each time) */

static const char W[] = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
static const char W14[] = "http://schemas.microsoft.com/office/word/2010/wordml";
static const char MC[] = "http://schemas.openxmlformats.org/markup-compatibility/2006";

enum { NS_NONE, NS_W, NS_W14, NS_MC, NS_OTHER };
enum {
    K_OTHER, K_DOCUMENT, K_BODY, K_P, K_T, K_TAB, K_TABS, K_BR, K_CR, K_TBL, K_TR, K_TC, K_TCPR, K_GRIDSPAN,
    K_VMERGE, K_SDT, K_SDTPR, K_SHOWING, K_TAG, K_CUSTOMXML, K_INS, K_MOVETO, K_CAREFUL, K_BOX, K_CHECKED
};

typedef struct { char *data; size_t len, cap; } Buffer;

typedef struct {
    XML_Parser parser;
    int bail, failed;  /* bail: leave the part to lxml; failed: a Python error is set */
    int depth;
    unsigned char kinds[DEPTH + 2];
    int nprefixes, default_ns;
    struct { char prefix[LONGEST_NAME + 1]; size_t len; int ns; } prefixes[PREFIXES];
    const char *w_prefix; size_t w_len;  /* the prefix of W, checked first */
    int body_seen, in_body, tracked;
    /* a paragraph right in the body (a caption's), its text */
    int paragraph;
    Buffer para;
    PyObject *pending, *caption;  /* the last paragraph with text since the last table; the last caption */
    /* w:t: the buffer its text (lxml's .text: up to its first child) goes to, at which depth */
    Buffer *text; int text_depth;
    /* the table */
    int table;
    PyObject *tables, *rows, *row, *cell_type;
    Py_ssize_t columns, positions, used;
    /* the cell being read: open from its w:tc to the next w:tc, w:tr or the table's end, as the tree scan has it */
    int cell, tc_depth, tc_children, tcpr_depth, sdtpr_depth, sdtpr_tag, box_depth, box_checked;
    Buffer text_of_cell;
    long paragraphs, span;
    int continues, extra, placeholder, checked;
    PyObject *tags;
} Scan;

static void bail(Scan *s) {
    if (s->bail) return;
    s->bail = 1;
    expat->SetElementHandler(s->parser, NULL, NULL);
    expat->SetCharacterDataHandler(s->parser, NULL);
    expat->SetCommentHandler(s->parser, NULL);
    expat->SetProcessingInstructionHandler(s->parser, NULL);
}

static void fail(Scan *s) {
    s->failed = 1;
    bail(s);
}

static int put(Scan *s, Buffer *b, const char *text, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        char *d = PyMem_Realloc(b->data, cap);
        if (d == NULL) {
            PyErr_NoMemory();
            fail(s);
            return -1;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, text, n);
    b->len += n;
    return 0;
}

static PyObject *strip_name = NULL;

/* The text gathered, stripped as Python strips it; NULL with the scan failed or left to lxml. */
static PyObject *stripped(Scan *s, Buffer *b) {
    PyObject *raw = PyUnicode_DecodeUTF8(b->data ? b->data : "", (Py_ssize_t)b->len, "strict");
    if (raw == NULL) {
        if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {  /* never from expat: lxml says what it is */
            PyErr_Clear();
            bail(s);
        } else {
            fail(s);
        }
        return NULL;
    }
    PyObject *text = PyObject_CallMethodNoArgs(raw, strip_name);
    Py_DECREF(raw);
    if (text == NULL) fail(s);
    return text;
}

/* Bytes of plain ASCII names: START begins one (a letter, '_'), PART continues it (and digits, '-', '.'). expat
 * takes any XML name; anything else, though it may be a name, is left to lxml. */
enum { START = 1, PART = 2 };
static unsigned char NAME[256];

static void name_table(void) {
    for (int c = 0; c < 256; c++) {
        int letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        int part = letter || (c >= '0' && c <= '9') || c == '-' || c == '.';
        NAME[c] = (unsigned char)((letter ? START : 0) | (part ? PART : 0));
    }
}

/* Whether the n bytes at p are a plain ASCII NCName. */
static int ncname(const char *p, size_t n) {
    if (n == 0 || !(NAME[(unsigned char)p[0]] & START)) return 0;
    for (size_t i = 1; i < n; i++)
        if (!(NAME[(unsigned char)p[i]] & PART)) return 0;
    return 1;
}

/* The end of the plain ASCII NCName at p (p itself when there is none). */
static const char *past_ncname(const char *p) {
    const unsigned char *c = (const unsigned char *)p;
    if (!(NAME[*c] & START)) return p;
    while (NAME[*++c] & PART) {}
    return (const char *)c;
}

static int resolve(const Scan *s, const char *name, const char **local, int element) {
    const char *end = past_ncname(name);
    if (end == name) return -1;
    if (*end == '\0') {
        *local = name;
        return element ? s->default_ns : NS_NONE;
    }
    if (*end != ':') return -1;
    const char *colon = end;
    size_t len = (size_t)(colon - name);
    *local = colon + 1;
    end = past_ncname(colon + 1);
    if (end == colon + 1 || *end != '\0') return -1;
    if (len == s->w_len && s->w_prefix != NULL && memcmp(name, s->w_prefix, len) == 0) return NS_W;
    for (int i = 0; i < s->nprefixes; i++)
        if (s->prefixes[i].len == len && memcmp(s->prefixes[i].prefix, name, len) == 0) return s->prefixes[i].ns;
    if (!element && len == 3 && memcmp(name, "xml", 3) == 0)  /* libxml2 checks xml:id: lxml reads it */
        return !strcmp(colon + 1, "space") || !strcmp(colon + 1, "lang") ? NS_OTHER : -1;
    return -1;
}

static int in(char c, const char *set) { return c != '\0' && strchr(set, c) != NULL; }

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/* The namespace a URI names (NS_*); -1 for one the pass leaves to lxml, which is any but a plain URI of the
 * kind namespaces are written as: a scheme, then "//", a host of letters, digits, '.' and '-' (no user, no
 * port) and a path of those and '/', '_', '~'; or no "//" and letters, digits and ".-_~:" (urn:...). libxml2
 * refuses or warns of many others (the namespaces of xml and xmlns themselves, ports that are not numbers,
 * two '@'...), and no form needs them. */
static int ns_of(const char *href) {
    if (!strcmp(href, W)) return NS_W;
    if (!strcmp(href, W14)) return NS_W14;
    if (!strcmp(href, MC)) return NS_MC;
    if (!href[0]) return NS_NONE;
    if (!strcmp(href, "http://www.w3.org/XML/1998/namespace") || !strcmp(href, "http://www.w3.org/2000/xmlns/"))
        return -1;
    const char *c = href;
    if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z'))) return -1;
    while (in(*c, ALNUM "+.-")) c++;
    if (*c++ != ':') return -1;
    if (c[0] == '/' && c[1] == '/') {
        c += 2;
        if (!in(*c, ALNUM)) return -1;
        while (in(*c, ALNUM ".-")) c++;
        if (*c != '\0' && *c != '/') return -1;
        while (in(*c, ALNUM "./_~-")) c++;
    } else {
        if (!in(*c, ALNUM)) return -1;
        while (in(*c, ALNUM ".-_~:")) c++;
    }
    return *c == '\0' ? NS_OTHER : -1;
}

/* The root's namespace declarations; 0, or -1 for anything the pass leaves to lxml. */
static int declare(Scan *s, const char **atts) {
    const char *hrefs[PREFIXES + 1];
    for (int i = 0; atts[i] != NULL; i += 2) {
        const char *name = atts[i], *href = atts[i + 1];
        if (strncmp(name, "xmlns", 5) != 0 || (name[5] != '\0' && name[5] != ':')) continue;
        int ns = ns_of(href);
        if (ns < 0) return -1;
        if (name[5] == '\0') {
            s->default_ns = ns;
            continue;
        }
        const char *prefix = name + 6;
        size_t len = strlen(prefix);
        if (len > LONGEST_NAME || !ncname(prefix, len) || !href[0] || !strcmp(prefix, "xml") ||
            !strcmp(prefix, "xmlns") || s->nprefixes == PREFIXES)
            return -1;
        for (int j = 0; j < s->nprefixes; j++)  /* one namespace, two prefixes: its attributes could clash */
            if (!strcmp(hrefs[j], href)) return -1;
        hrefs[s->nprefixes] = href;
        memcpy(s->prefixes[s->nprefixes].prefix, prefix, len + 1);
        s->prefixes[s->nprefixes].len = len;
        s->prefixes[s->nprefixes].ns = ns;
        if (s->prefixes[s->nprefixes].ns == NS_W) {
            s->w_prefix = s->prefixes[s->nprefixes].prefix;
            s->w_len = len;
        }
        s->nprefixes++;
    }
    return 0;
}

static int kind_of(int ns, const char *n) {
    if (ns == NS_W14) {
        if (!strcmp(n, "checkbox")) return K_BOX;
        if (!strcmp(n, "checked")) return K_CHECKED;
        return K_OTHER;
    }
    if (ns == NS_MC) return strcmp(n, "AlternateContent") ? K_OTHER : K_CAREFUL;
    if (ns != NS_W) return K_OTHER;
    switch (n[0]) {
    case 't':
        if (!strcmp(n, "t")) return K_T;
        if (!strcmp(n, "tc")) return K_TC;
        if (!strcmp(n, "tr")) return K_TR;
        if (!strcmp(n, "tbl")) return K_TBL;
        if (!strcmp(n, "tab")) return K_TAB;
        if (!strcmp(n, "tabs")) return K_TABS;
        if (!strcmp(n, "tcPr")) return K_TCPR;
        if (!strcmp(n, "tag")) return K_TAG;
        if (!strcmp(n, "txbxContent")) return K_CAREFUL;
        return K_OTHER;
    case 'p': return strcmp(n, "p") ? K_OTHER : K_P;
    case 'r': return K_OTHER;
    case 'g': return strcmp(n, "gridSpan") ? K_OTHER : K_GRIDSPAN;
    case 'v':
        if (!strcmp(n, "vMerge")) return K_VMERGE;
        if (!strcmp(n, "vanish")) return K_CAREFUL;
        return K_OTHER;
    case 's':
        if (!strcmp(n, "sdt")) return K_SDT;
        if (!strcmp(n, "sdtPr")) return K_SDTPR;
        if (!strcmp(n, "showingPlcHdr")) return K_SHOWING;
        return K_OTHER;
    case 'b':
        if (!strcmp(n, "br")) return K_BR;
        if (!strcmp(n, "body")) return K_BODY;
        return K_OTHER;
    case 'c':
        if (!strcmp(n, "cr")) return K_CR;
        if (!strcmp(n, "checkBox")) return K_CAREFUL;
        if (!strcmp(n, "customXml")) return K_CUSTOMXML;
        return K_OTHER;
    case 'd':
        if (!strcmp(n, "del")) return K_CAREFUL;
        if (!strcmp(n, "document")) return K_DOCUMENT;
        return K_OTHER;
    case 'i': return strcmp(n, "ins") ? K_OTHER : K_INS;
    case 'm':
        if (!strcmp(n, "moveFrom")) return K_CAREFUL;
        if (!strcmp(n, "moveTo")) return K_MOVETO;
        return K_OTHER;
    }
    return K_OTHER;
}

/* The value of the attribute {ns}val: 1 found (*value set), 0 absent, -1 a name not resolved. */
static int val(const Scan *s, const char **atts, int ns, const char **value) {
    for (int i = 0; atts[i] != NULL; i += 2) {
        const char *local;
        int in = resolve(s, atts[i], &local, 0);
        if (in < 0) return -1;
        if (in == ns && !strcmp(local, "val")) {
            *value = atts[i + 1];
            return 1;
        }
    }
    return 0;
}

static void reset_cell(Scan *s) {
    s->cell = 0;
    s->tc_depth = s->tcpr_depth = s->sdtpr_depth = s->box_depth = -1;
    s->tc_children = s->sdtpr_tag = s->box_checked = 0;
    s->text_of_cell.len = 0;
    s->paragraphs = 0;
    s->span = 1;
    s->continues = s->extra = s->placeholder = 0;
    s->checked = -1;
    Py_CLEAR(s->tags);
}

/* Close the cell: lay it out over the columns it spans (grid._place), the cell above when it continues it. */
static void close_cell(Scan *s) {
    Py_ssize_t col = PyList_GET_SIZE(s->row), r = PyList_GET_SIZE(s->rows);
    s->used += s->span;
    if (col + s->span > s->columns || s->used > s->positions) {
        bail(s);
        return;
    }
    PyObject *cell = NULL;
    if (s->continues && r > 0) {
        PyObject *above = PyList_GET_ITEM(s->rows, r - 1);
        if (col < PyList_GET_SIZE(above)) cell = Py_NewRef(PyList_GET_ITEM(above, col));
    }
    if (cell == NULL) {
        PyObject *text = stripped(s, &s->text_of_cell);
        if (text == NULL) return;
        PyObject *args[7] = {text, NULL, NULL, NULL, NULL, NULL, NULL};
        size_t nargs = s->extra ? 7 : 4;
        int complete = (args[1] = PyLong_FromSsize_t(r)) != NULL && (args[2] = PyLong_FromSsize_t(col)) != NULL &&
                       (args[3] = PyLong_FromLong(s->span)) != NULL;
        if (complete && s->extra) {
            args[4] = Py_NewRef(s->placeholder ? Py_True : Py_False);
            args[5] = Py_NewRef(s->checked < 0 ? Py_None : (s->checked ? Py_True : Py_False));
            complete = (args[6] = s->tags ? PyList_AsTuple(s->tags) : PyTuple_New(0)) != NULL;
        }
        if (complete) cell = PyObject_Vectorcall(s->cell_type, args, nargs, NULL);
        for (size_t i = 0; i < nargs; i++) Py_XDECREF(args[i]);
        if (cell == NULL) {
            fail(s);
            return;
        }
    }
    for (long i = 0; i < s->span; i++)
        if (PyList_Append(s->row, cell) < 0) {
            fail(s);
            break;
        }
    Py_DECREF(cell);
    reset_cell(s);
}

static void end_row(Scan *s) {
    if (s->cell) close_cell(s);
    if (!s->bail && s->row != NULL && PyList_Append(s->rows, s->row) < 0) fail(s);
    Py_CLEAR(s->row);
}

static void start_table(Scan *s) {
    if (s->pending != NULL) {
        Py_XSETREF(s->caption, s->pending);
        s->pending = NULL;
    }
    s->table = 1;
    if ((s->rows = PyList_New(0)) == NULL) fail(s);
}

static void end_table(Scan *s) {
    end_row(s);
    if (s->bail) return;
    PyObject *caption = s->caption ? Py_NewRef(s->caption) : PyUnicode_FromString("");
    PyObject *pair = caption ? PyTuple_Pack(2, s->rows, caption) : NULL;
    Py_XDECREF(caption);
    if (pair == NULL || PyList_Append(s->tables, pair) < 0) fail(s);
    Py_XDECREF(pair);
    Py_CLEAR(s->rows);
    s->table = 0;
}

/* An element in a table (its rows, cells and what they hold), as _tablescan.c's scan meets it. */
static void in_table(Scan *s, int k, const char **atts) {
    int d = s->depth;
    if (k == K_TR || k == K_TC) {
        if (k == K_TR ? d != 4 : (d != 5 || s->kinds[4] != K_TR)) {  /* not right in its table or row */
            bail(s);
            return;
        }
        if (k == K_TR) {
            end_row(s);
            if (!s->bail && (s->row = PyList_New(0)) == NULL) fail(s);
        } else {
            if (s->cell) close_cell(s);
            s->cell = 1;
            s->tc_depth = d;
        }
        return;
    }
    if (!s->cell) {
        if (k == K_TBL) bail(s);
        return;
    }
    if (s->tc_depth >= 0 && d == s->tc_depth + 1 && ++s->tc_children == 1 && k == K_TCPR) s->tcpr_depth = d;
    if (s->sdtpr_depth >= 0 && d == s->sdtpr_depth + 1) {  /* a content control's property */
        if (k == K_SHOWING) {
            s->placeholder = 1;
        } else if (k == K_TAG && !s->sdtpr_tag) {
            const char *value = NULL;
            s->sdtpr_tag = 1;
            int found = val(s, atts, NS_W, &value);
            if (found < 0) { bail(s); return; }
            if (found && value[0]) {
                if (s->tags == NULL && (s->tags = PyList_New(0)) == NULL) { fail(s); return; }
                PyObject *tag = PyUnicode_FromString(value);
                if (tag == NULL || PyList_Append(s->tags, tag) < 0) fail(s);
                Py_XDECREF(tag);
            }
        } else if (k == K_BOX && s->box_depth < 0 && !s->box_checked) {
            s->box_depth = d;
            s->box_checked = 1;
            s->checked = 0;
        }
    } else if (s->box_depth >= 0 && d == s->box_depth + 1 && k == K_CHECKED && s->box_checked == 1) {
        const char *value = NULL;
        s->box_checked = 2;
        int found = val(s, atts, NS_W14, &value);
        if (found < 0) { bail(s); return; }
        if (found && (!strcmp(value, "1") || !strcmp(value, "true"))) s->checked = 1;
    }
    switch (k) {
    case K_T:
        if (s->paragraphs) {
            s->text = &s->text_of_cell;
            s->text_depth = d;
        }
        return;
    case K_P:
        if (s->paragraphs) put(s, &s->text_of_cell, "\n", 1);
        s->paragraphs++;
        return;
    case K_GRIDSPAN:
    case K_VMERGE: {
        if (s->tcpr_depth < 0 || d != s->tcpr_depth + 1) return;
        const char *value = NULL;
        int found = val(s, atts, NS_W, &value);
        if (found < 0) { bail(s); return; }
        if (k == K_VMERGE) {
            s->continues = !found || !strcmp(value, "continue");
        } else if (found) {
            size_t len = strlen(value);
            if (len == 0 || len > 9 || strspn(value, "0123456789") != len) { bail(s); return; }
            long span = atol(value);
            s->span = span > 1 ? span : 1;
        } else {
            s->span = 1;
        }
        return;
    }
    case K_TBL:
        bail(s);  /* a nested table */
        return;
    case K_SDTPR:
        if (s->sdtpr_depth >= 0) {  /* a control inside a control's properties: the tree scan reads the outer first */
            bail(s);
            return;
        }
        s->extra = 1;
        if (s->kinds[d - 1] == K_SDT && s->tc_depth >= 0) {  /* a control in the cell: its properties follow */
            s->sdtpr_depth = d;
            s->sdtpr_tag = 0;
            s->box_checked = 0;
        }
        return;
    case K_TAB:
    case K_BR:
    case K_CR:
        if (!s->paragraphs) return;
        s->extra = 1;
        if (k != K_TAB) put(s, &s->text_of_cell, "\n", 1);
        else if (s->kinds[d - 1] != K_TABS) put(s, &s->text_of_cell, "\t", 1);
        return;
    }
}

static void on_start(void *data, const char *name, const char **atts) {
    Scan *s = data;
    int d = ++s->depth;
    if (d > DEPTH) { bail(s); return; }
    if (s->text != NULL) s->text = NULL;  /* lxml's .text ends at the first child */
    if (d == 1 && declare(s, atts) < 0) { bail(s); return; }
    for (int i = 0; atts[i] != NULL; i += 2) {  /* every attribute's prefix declared, no declaration below the root */
        const char *local;
        if (!strncmp(atts[i], "xmlns", 5) && (atts[i][5] == '\0' || atts[i][5] == ':')) {
            if (d > 1) { bail(s); return; }
        } else if (strlen(atts[i]) > LONGEST_NAME || resolve(s, atts[i], &local, 0) < 0) {
            bail(s);
            return;
        }
    }
    const char *local;
    int ns = strlen(name) > LONGEST_NAME ? -1 : resolve(s, name, &local, 1);
    if (ns < 0) { bail(s); return; }
    int k = kind_of(ns, local);
    s->kinds[d] = (unsigned char)k;
    if (k == K_CAREFUL) { bail(s); return; }
    if (d == 1) {
        if (k != K_DOCUMENT) bail(s);
        return;
    }
    if (d == 2) {
        if (k == K_BODY) {
            if (s->body_seen) { bail(s); return; }
            s->body_seen = s->in_body = 1;
        }
        return;
    }
    if (!s->in_body) return;
    if (k == K_INS || k == K_MOVETO) s->tracked = 1;
    if (d == 3) {
        if (k == K_P) {
            s->paragraph = 1;
            s->para.len = 0;
        } else if (k == K_TBL) {
            start_table(s);
        } else if (k == K_SDT || k == K_CUSTOMXML) {
            bail(s);  /* a block wrapped: the careful walk */
        }
        return;
    }
    if (s->table) {
        in_table(s, k, atts);
    } else if (s->paragraph) {
        if (k == K_T) {
            s->text = &s->para;
            s->text_depth = d;
        } else if (k == K_TAB) {
            if (s->kinds[d - 1] != K_TABS) put(s, &s->para, "\t", 1);
        } else if (k == K_BR || k == K_CR) {
            put(s, &s->para, "\n", 1);
        } else if (k == K_TBL) {
            bail(s);
        }
    } else if (k == K_TBL) {
        bail(s);
    }
}

static void on_end(void *data, const char *name) {
    Scan *s = data;
    int d = s->depth--;
    int k = s->kinds[d];
    (void)name;
    if (s->text != NULL && s->text_depth == d) s->text = NULL;
    if (d == s->tc_depth) s->tc_depth = -1;
    if (d == s->tcpr_depth) s->tcpr_depth = -1;
    if (d == s->sdtpr_depth) s->sdtpr_depth = -1;
    if (d == s->box_depth) s->box_depth = -1;
    if (d == 2 && k == K_BODY) s->in_body = 0;
    if (d != 3 || !s->in_body) return;
    if (k == K_TBL) {
        end_table(s);
    } else if (k == K_P) {
        s->paragraph = 0;
        PyObject *text = stripped(s, &s->para);
        if (text == NULL) return;
        if (PyUnicode_GET_LENGTH(text)) Py_XSETREF(s->pending, text);
        else Py_DECREF(text);
    }
}

static void on_text(void *data, const char *text, int len) {
    Scan *s = data;
    if (s->text != NULL && s->text_depth == s->depth) put(s, s->text, text, (size_t)len);
}

static void on_comment(void *data, const char *text) {
    Scan *s = data;
    (void)text;
    if (s->depth > 0) bail(s);  /* lxml's .text and first child see it */
}

static void on_pi(void *data, const char *target, const char *text) {
    (void)target; (void)text;
    bail((Scan *)data);  /* anywhere (libxml2 refuses some targets expat takes); Word writes none */
}

static void on_doctype(void *data, const char *name, const char *sysid, const char *pubid, int internal) {
    (void)name; (void)sysid; (void)pubid; (void)internal;
    bail((Scan *)data);
}

static PyObject *scan(PyObject *self, PyObject *args) {
    Py_buffer data;
    PyObject *cell_type;
    Py_ssize_t columns, positions;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*nnO", &data, &columns, &positions, &cell_type)) return NULL;
    Scan *s = PyMem_Calloc(1, sizeof(Scan));
    if (s == NULL) {
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    s->cell_type = cell_type;
    s->columns = columns;
    s->positions = positions;
    s->text_depth = -1;
    reset_cell(s);
    PyObject *result = NULL;
    if ((s->tables = PyList_New(0)) == NULL) goto done;
    s->parser = expat->ParserCreate_MM("UTF-8", NULL, NULL);  /* the caller gives only UTF-8 (streamed.py) */
    if (s->parser == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    expat->SetUserData(s->parser, s);
    expat->SetElementHandler(s->parser, on_start, on_end);
    expat->SetCharacterDataHandler(s->parser, on_text);
    expat->SetCommentHandler(s->parser, on_comment);
    expat->SetProcessingInstructionHandler(s->parser, on_pi);
    expat->SetStartDoctypeDeclHandler(s->parser, on_doctype);
    /* In pieces, so that a part left to lxml early is not parsed to its end; each twice the one before, since
     * expat scans a token cut by a piece's end again with the next piece (a long one would cost a scan per piece) */
    int ok = 1, last = data.len == 0;
    Py_ssize_t chunk = CHUNK;
    for (Py_ssize_t at = 0; ok && !s->bail && at < data.len;) {
        Py_ssize_t n = data.len - at < chunk ? data.len - at : chunk;
        last = at + n == data.len;  /* the last piece is the final one (a form's part: the only one) */
        ok = expat->Parse(s->parser, (const char *)data.buf + at, (int)n, last);
        at += n;
        if (chunk < (1 << 29)) chunk *= 2;
    }
    if (ok && !s->bail && !last) ok = expat->Parse(s->parser, "", 0, 1);
    if (s->failed) goto done;
    if (!ok || s->bail || !s->body_seen || s->table) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    result = Py_BuildValue("(OO)", s->tables, s->tracked ? Py_True : Py_False);
done:
    if (s->parser != NULL) expat->ParserFree(s->parser);
    Py_XDECREF(s->tables);
    Py_XDECREF(s->rows);
    Py_XDECREF(s->row);
    Py_XDECREF(s->pending);
    Py_XDECREF(s->caption);
    Py_XDECREF(s->tags);
    PyMem_Free(s->para.data);
    PyMem_Free(s->text_of_cell.data);
    PyMem_Free(s);
    PyBuffer_Release(&data);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS,
     "scan(data, columns, positions, Cell): ([(rows, caption), ...], tracked) of a plain main part, or None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_bodyscan", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__bodyscan(void) {
    name_table();
    if ((strip_name = PyUnicode_InternFromString("strip")) == NULL) return NULL;
    struct ExpatAPI *api = PyCapsule_Import("pyexpat.expat_CAPI", 0);
    if (api == NULL) return NULL;
    if (strcmp(api->magic, "pyexpat.expat_CAPI 1.1") != 0 ||
        api->size < (int)(offsetof(struct ExpatAPI, SetStartDoctypeDeclHandler) + sizeof(void *))) {
        PyErr_SetString(PyExc_ImportError, "pyexpat's C API is not the one _bodyscan was written for");
        return NULL;
    }
    expat = api;
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && (PyModule_AddIntConstant(m, "ABI", 1) < 0 || PyModule_AddIntConstant(m, "PIECE", CHUNK) < 0))
        Py_CLEAR(m);
    return m;
}
