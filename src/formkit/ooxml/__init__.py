"""Raw OOXML: the zip package, safe XML parsing, content controls, tables as grids.

This package and nothing above it touches lxml directly.
"""
