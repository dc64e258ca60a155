"""Official documents to GB/T 9704-2012: a document model, a profile of numbers, a .docx layout engine and
format checks on the .docx and on its rendered PDF."""
