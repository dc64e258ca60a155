"""Raw OOXML: the zip package, safe XML parsing, content controls, tables as grids, and what formkit writes
into Word documents beyond python-docx's public API.

This package and nothing above it touches lxml directly, or python-docx's internals (the elements behind its
Paragraph, Run, Table, Section… objects, ``docx.oxml``): everything above hands python-docx objects to the
functions here (:mod:`formkit.ooxml.proxy`).
"""
