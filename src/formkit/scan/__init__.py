"""Scans: the sealed copies of returned forms (a PDF of page images, phone photos, PNG, JPEG, TIFF) read as
a Word file is — pages straightened, the grid found from the ruling lines, every cell recognised by an
offline Chinese OCR — with each value's confidence, the QR code of the identity code, and the seals.

Nothing is imported here: OpenCV and the OCR load only when a scan is read (``formkit.scan.read``)."""
