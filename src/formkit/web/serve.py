"""Running the desk: uvicorn on the application of :mod:`formkit.web.app`, for one process or several (each
worker opens the store itself, from ``FORMKIT_DB``). Proxy headers are not taken from uvicorn: the desk reads
X-Forwarded-For itself, and only from the proxies ``desk.trusted_proxies`` names. There is no access log: a
recipient's link is in the path."""

from __future__ import annotations

import os

import uvicorn
from starlette.applications import Starlette

from formkit.web.app import create_app


def app_from_env() -> Starlette:
    """The application factory uvicorn's workers call (the store from ``FORMKIT_DB``)."""
    return create_app()


def serve(db_url: str | None, host: str, port: int, workers: int = 1) -> None:
    if db_url:
        os.environ["FORMKIT_DB"] = db_url
    create_app().state.desk.store.close()  # the store is there and migrated before any worker starts
    uvicorn.run("formkit.web.serve:app_from_env", factory=True, host=host, port=port, workers=workers,
                proxy_headers=False, access_log=False, server_header=False, log_level="warning")
