"""OFD (GB/T 33190-2016, the fixed-layout format Chinese government systems exchange) read safely: the package
on formkit's zip and XML limits (:mod:`formkit.ofd.package`), each page's characters, ruling lines and images
(:mod:`formkit.ofd.content`), the document in cells as the PDF path makes it (:mod:`formkit.ofd.read`).
Seals and signatures are :mod:`formkit.signatures`'."""

from formkit.ofd.package import OfdError, OfdPackage
from formkit.ofd.read import page_scan, pages_of, read_ofd

__all__ = ["OfdError", "OfdPackage", "page_scan", "pages_of", "read_ofd"]
