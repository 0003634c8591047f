"""Serve the explorer on this computer only (127.0.0.1), offline."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

__all__ = ["free_port", "serve_app", "make_page"]

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port nobody is listening on at 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def _offline_resources() -> None:
    """Serve Bokeh's and Panel's JavaScript and CSS from this server, not a CDN."""
    os.environ["BOKEH_RESOURCES"] = "server"
    import panel as pn

    pn.config.inline = False
    pn.extension("tabulator", notifications=False, inline=False)


def make_page(out_dir="reports", state: str = "NC"):
    """A fresh page (one per browser session): the Panel object to serve."""
    from disparities.app.explorer import Explorer
    from disparities.app.layout import ExplorerPage

    page = ExplorerPage(Explorer(out_dir, state=state))
    import panel as pn

    if pn.state.curdoc is not None:
        pn.state.on_session_destroyed(lambda ctx: page.ex.close())
    return page.view


def serve_app(
    *,
    port: int | None = None,
    out_dir="reports",
    state: str = "NC",
    open_browser: bool = True,
) -> None:
    """Start the explorer at http://127.0.0.1:PORT and (optionally) open a browser.

    Binds to the loopback address only, so no other computer can reach it.
    Blocks until interrupted (Ctrl+C).
    """
    import matplotlib

    matplotlib.use("Agg")
    _offline_resources()
    import panel as pn

    port = port or free_port()
    out = Path(out_dir).resolve()
    url = f"http://{LOOPBACK}:{port}/"
    print(
        f"disparities app: open {url} in your browser (Ctrl+C to stop); "
        f"files are saved in {out}",
        file=sys.stderr,
        flush=True,
    )
    pn.serve(
        lambda: make_page(out, state),
        port=port,
        address=LOOPBACK,
        websocket_origin=[f"{LOOPBACK}:{port}", f"localhost:{port}"],
        show=open_browser,
        title="disparities: choose a focus",
        start=True,
        threaded=False,
    )
