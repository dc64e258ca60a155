"""The web desk (``formkit serve``): recipients return and correct their forms through a personal link, staff
see the returns they have rights to. A thin layer over the library, like the command line: the intake, the
status, the findings and the store are the ones ``formkit ingest``, ``status`` and ``letters`` use."""
