"""A point-and-click explorer for people who don't code: ``disparities app``.

``explorer`` holds the steps (plain Python, tested without a browser),
``layout`` the Panel page, ``server`` the loopback-only server, and
``integration`` the one doorway to the focus record, report and deck.
Panel is imported only by ``layout`` and ``server`` (the ``app`` extra).
"""

from disparities.app.explorer import AppError, Explorer

__all__ = ["AppError", "Explorer", "serve_app"]


def serve_app(**kwargs):
    """Start the explorer; see :func:`disparities.app.server.serve_app`."""
    from disparities.app.server import serve_app as _serve

    return _serve(**kwargs)
