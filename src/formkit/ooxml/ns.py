"""OOXML namespaces and qualified names, in one place."""

from __future__ import annotations

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "cp": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
}
# ISO 29500 Strict uses other URIs for the same elements; map them to the transitional ones.
STRICT = {
    "http://purl.oclc.org/ooxml/wordprocessingml/main": NS["w"],
    "http://purl.oclc.org/ooxml/officeDocument/relationships": NS["r"],
}
REL_OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
)
REL_CUSTOM_PROPERTIES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CT_CUSTOM_PROPERTIES = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
FMTID_USER = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"

# The namespaces Word (2010 and later, Microsoft 365) understands: an ``mc:Choice`` whose ``Requires`` names
# only these is the branch Word shows; one requiring any other is skipped for the next Choice or the Fallback
# (ECMA-376 Part 3, Markup Compatibility). A prefix counts by the namespace it is bound to where it is used.
UNDERSTOOD = frozenset({
    NS["w"], NS["r"], NS["w14"], NS["mc"],
    "http://schemas.openxmlformats.org/officeDocument/2006/math",  # m
    "http://schemas.openxmlformats.org/drawingml/2006/main",  # a
    "http://schemas.openxmlformats.org/drawingml/2006/picture",  # pic
    "http://schemas.openxmlformats.org/drawingml/2006/chart",  # c
    "http://schemas.openxmlformats.org/drawingml/2006/diagram",  # dgm
    "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",  # wp
    "urn:schemas-microsoft-com:vml",  # v
    "urn:schemas-microsoft-com:office:office",  # o
    "urn:schemas-microsoft-com:office:word",  # w10
    "http://schemas.microsoft.com/office/word/2006/wordml",  # wne
    "http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing",  # wp14
    "http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas",  # wpc
    "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup",  # wpg
    "http://schemas.microsoft.com/office/word/2010/wordprocessingInk",  # wpi
    "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",  # wps
    "http://schemas.microsoft.com/office/drawing/2010/main",  # a14
    "http://schemas.microsoft.com/office/word/2012/wordml",  # w15
    "http://schemas.microsoft.com/office/word/2015/wordml/symex",  # w16se
    "http://schemas.microsoft.com/office/word/2016/wordml/cid",  # w16cid
    "http://schemas.microsoft.com/office/word/2018/wordml",  # w16
    "http://schemas.microsoft.com/office/word/2018/wordml/cex",  # w16cex
    "http://schemas.microsoft.com/office/word/2020/wordml/sdtdatahash",  # w16sdtdh
    "http://schemas.microsoft.com/office/word/2023/wordml/word16du",  # w16du
    "http://schemas.microsoft.com/office/drawing/2014/chartex",  # cx
    "http://schemas.microsoft.com/office/drawing/2015/9/8/chartex",  # cx1
    "http://schemas.microsoft.com/office/drawing/2015/10/21/chartex",  # cx2
    "http://schemas.microsoft.com/office/drawing/2016/5/9/chartex",  # cx3
    "http://schemas.microsoft.com/office/drawing/2016/5/10/chartex",  # cx4
    "http://schemas.microsoft.com/office/drawing/2016/5/11/chartex",  # cx5
    "http://schemas.microsoft.com/office/drawing/2016/5/12/chartex",  # cx6
    "http://schemas.microsoft.com/office/drawing/2016/5/13/chartex",  # cx7
    "http://schemas.microsoft.com/office/drawing/2016/5/14/chartex",  # cx8
    "http://schemas.microsoft.com/office/drawing/2016/ink",  # aink
    "http://schemas.microsoft.com/office/drawing/2017/model3d",  # am3d
    "http://schemas.microsoft.com/office/2019/extlst",  # oel
})


def qn(tag: str) -> str:
    """``w:tbl`` → ``{http://...}tbl``."""
    prefix, local = tag.split(":")
    return f"{{{NS[prefix]}}}{local}"
