"""PDF access: text and tables out of PDFs, in a child process with limits (the only pdfplumber user)."""
