"""Drawing a profile's charts: each once, to pixels, on one or more CPU cores.

A profile's charts are first *planned* (:class:`PlannedChart`: what to draw and
a function that draws it) and then drawn by :class:`ChartDrawing`, which

- renders each figure once (one layout pass and one Agg render at the print
  resolution, read straight off the canvas; :func:`render_rgb`),
- encodes the 200-dpi PNG and a half-size screen PNG from those pixels
  (:func:`encode_pngs`) in a background thread (PNG compression releases
  Python's lock, so it overlaps the next chart's drawing), and
- with ``jobs > 1`` on Linux, forks worker processes that take charts from a
  shared counter while the calling process draws too (or does other work
  first, e.g. the bright spots), so a profile uses the machine's cores.
  Charts drawn by a worker come back as pixels only (``figure`` is None).

Each chart that cannot be drawn (missing data) is returned as a reason, in the
plan's order, never dropped silently.
"""

from __future__ import annotations

import io
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Chart",
    "ChartDrawing",
    "PlannedChart",
    "PRINT_DPI",
    "SCREEN_DPI",
    "encode_pngs",
    "parallel_drawing_available",
    "rasterise",
    "render_rgb",
]

PRINT_DPI = 200
SCREEN_DPI = 100


@dataclass
class Chart:
    """One chart of a profile, drawn once.

    Attributes
    ----------
    key : str
        Short id (``overview``, ``focus_gap``, ``candidate2_trend`` ...).
    section : str
        ``overview``, ``focus`` or ``candidate<N>``.
    heading : str
        Short heading (at most about 60 characters).
    title : str
        The chart's sentence title (shown as text by renderers, not drawn).
    alt : str
        Description for screen readers.
    figure : matplotlib.figure.Figure or None
        The figure (closed, still usable); None for a chart drawn in a worker
        process, which sends back its pixels only.
    print_png, screen_png : bytes
        The 200-dpi PNG and the screen-sized PNG, from one rasterisation.
    path : Path or None
        The 200-dpi PNG file, once written.
    subject : tuple
        ``(indicator, dimension, group)`` of the comparison it shows, if any.
    size_inches : tuple of float
        The figure's width and height in inches (for placing it on a slide).
    """

    key: str
    section: str
    heading: str
    title: str
    alt: str
    figure: object
    print_png: bytes = b""
    screen_png: bytes = b""
    path: Path | None = None
    subject: tuple = ()
    size_inches: tuple = ()

    def __post_init__(self):
        if not self.size_inches and self.figure is not None:
            self.size_inches = tuple(float(v) for v in self.figure.get_size_inches())


@dataclass
class PlannedChart:
    """A chart a profile will show: its names and the function that draws it.

    ``make`` returns a matplotlib Axes or Figure, or raises ``KeyError`` /
    ``ValueError`` with a plain-language reason when the data cannot support
    the chart. ``cost`` is its drawing time relative to a simple chart (a map
    of every county about 2): with several processes the costliest charts are
    drawn first, so no process is left drawing a map while the others idle.
    """

    key: str
    section: str
    heading: str
    make: Callable
    subject: tuple = ()
    cost: float = 1.0


# ------------------------------------------------------------------ pixels


def render_rgb(figure, dpi: int):
    """Draw ``figure`` once at ``dpi`` and return its pixels as a PIL RGB image.

    One ``canvas.draw()`` runs the layout engine and renders; ``savefig``
    would run the layout a second time before rendering. The figure's dpi and
    face colour are restored afterwards (white behind the chart in the image).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):  # e.g. an interactive backend
        canvas = FigureCanvasAgg(figure)
    old_dpi, old_face = figure.dpi, figure.get_facecolor()
    figure.set_dpi(dpi)
    figure.set_facecolor("white")
    try:
        canvas.draw()
        size = canvas.get_width_height(physical=True)
        rgba = canvas.buffer_rgba()
        image = Image.frombuffer("RGBA", size, rgba, "raw", "RGBA", 0, 1)
        return image.convert("RGB")
    finally:
        figure.set_dpi(old_dpi)
        figure.set_facecolor(old_face)


def encode_pngs(image, title: str, alt: str, print_dpi: int | None = PRINT_DPI):
    """The chart's ``(print_png, screen_png)`` bytes from its rendered pixels.

    With ``print_dpi`` the print PNG keeps every pixel (title and alt text in
    its metadata) and the screen PNG is the image reduced to ``SCREEN_DPI``
    (a box filter for an exact factor of 2, else Lanczos) in 256 colours. With
    ``print_dpi=None`` the image was rendered at screen resolution and one
    256-colour PNG serves both.
    """
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    meta = PngInfo()
    meta.add_text("Description", alt)
    meta.add_text("Title", title)

    def few_colours(img):
        return img.quantize(colors=256, method=Image.Quantize.FASTOCTREE)

    if print_dpi is None:
        buf = io.BytesIO()
        few_colours(image).save(
            buf, format="PNG", pnginfo=meta, dpi=(SCREEN_DPI, SCREEN_DPI)
        )
        return buf.getvalue(), buf.getvalue()
    buf = io.BytesIO()
    # zlib level 3: measured on the report's charts, 30% less encoding time
    # than the default 6 for files about 11% larger (the page uses the screen PNG)
    image.save(
        buf, format="PNG", pnginfo=meta, dpi=(print_dpi, print_dpi), compress_level=3
    )
    print_png = buf.getvalue()
    if print_dpi == 2 * SCREEN_DPI:
        small = image.reduce(2)  # a 2x2 box average: as sharp as Lanczos here
    else:
        factor = SCREEN_DPI / print_dpi
        size = (round(image.width * factor), round(image.height * factor))
        small = image.resize(size, Image.LANCZOS)
    buf = io.BytesIO()
    few_colours(small).save(buf, format="PNG")  # optimize=True: 5% smaller, 9x slower
    return print_png, buf.getvalue()


def rasterise(chart: Chart, *, print_dpi: int | None = PRINT_DPI) -> Chart:
    """Render a chart once at ``print_dpi``; keep that PNG and a screen-sized one.

    With ``print_dpi=None`` the chart is rendered once at screen resolution
    only (the batch's default: the pages need no more), and that image also
    serves as the chart's PNG file.
    """
    image = render_rgb(chart.figure, print_dpi or SCREEN_DPI)
    chart.print_png, chart.screen_png = encode_pngs(
        image, chart.title, chart.alt, print_dpi
    )
    return chart


# ---------------------------------------------------------------- drawing


def _figure_of(obj):
    return obj if hasattr(obj, "savefig") else obj.get_figure()


def draw_planned(planned: PlannedChart, print_dpi, encoder=None):
    """Draw one planned chart.

    Returns
    -------
    Chart or tuple
        The chart (PNG bytes filled in, or pending in ``encoder``: see
        :meth:`ChartDrawing.finish`), or ``(key, section, heading, reason)``
        when the data cannot support it.
    """
    import matplotlib.pyplot as plt

    from disparities.plots import style

    try:
        obj = planned.make()
    except (KeyError, ValueError) as exc:
        reason = str(exc).strip("'\"")
        return (planned.key, planned.section, planned.heading, reason)
    fig = _figure_of(obj)
    title = style.get_title(obj) if not hasattr(obj, "savefig") else ""
    title = title or getattr(fig, "_disparities_title", "") or planned.heading
    if getattr(fig, "_suptitle", None) is not None and len(fig.axes) == 1:
        fig._suptitle.remove()  # the renderers show the title as text
        fig._suptitle = None
    alt = style.get_alt_text(obj) or style.get_alt_text(fig)
    chart = Chart(
        planned.key,
        planned.section,
        planned.heading,
        title,
        alt,
        fig,
        subject=planned.subject,
    )
    image = render_rgb(fig, print_dpi or SCREEN_DPI)
    plt.close(fig)  # pixels kept; the Figure object stays usable
    if encoder is None:
        chart.print_png, chart.screen_png = encode_pngs(image, title, alt, print_dpi)
    else:
        chart._pending = encoder.submit(encode_pngs, image, title, alt, print_dpi)
    return chart


def parallel_drawing_available() -> bool:
    """Whether charts can be drawn in forked worker processes here (Linux)."""
    import multiprocessing

    return sys.platform.startswith("linux") and (
        "fork" in multiprocessing.get_all_start_methods()
    )


def _warm_up() -> None:
    """Import the plotting stack and draw a line of text (fonts loaded, glyph
    caches filled) in this process, so forked workers start warm."""
    import matplotlib.pyplot as plt

    import disparities.plots  # noqa: F401
    from disparities.plots import style  # noqa: F401

    fig = plt.figure(figsize=(1, 1), layout="constrained")
    fig.text(0.5, 0.5, "Warm 0123456789%", fontsize=14, weight="bold")
    fig.gca().set_title("0123456789 abc")
    fig.canvas.draw()
    plt.close(fig)


class _Counter:
    """The next chart to draw, shared by every process drawing one plan.

    Hands out the plan's positions in ``order`` (costliest first when several
    processes draw; the results keep the plan's order).
    """

    def __init__(self, order, shared=None):
        self.order, self.shared, self.value = list(order), shared, 0

    def next(self):
        if self.shared is None:
            i, self.value = self.value, self.value + 1
        else:
            with self.shared.get_lock():
                i = self.shared.value
                self.shared.value += 1
        return self.order[i] if i < len(self.order) else None


class ChartDrawing:
    """Draw a plan of charts, on ``jobs`` processes (this one included).

    Use as a context manager: on entry, worker processes (``jobs - 1`` of them,
    forked, Linux only) start drawing; the calling process may do other work,
    then :meth:`finish` draws whatever is left and returns every result in the
    plan's order.

    Parameters
    ----------
    plan : list of PlannedChart
    print_dpi : int or None
        Resolution of the PNG files (None: screen resolution only).
    jobs : int
        Processes drawing; 1 (default) draws here only, in order. Workers are
        used only where :func:`parallel_drawing_available` and the plan has
        more than one chart.

    Examples
    --------
    >>> with ChartDrawing([], print_dpi=None) as drawing:
    ...     results = drawing.finish()
    >>> results
    []
    """

    def __init__(self, plan, *, print_dpi=PRINT_DPI, jobs: int = 1):
        self.plan = list(plan)
        self.print_dpi = print_dpi
        n_workers = max(0, min(int(jobs or 1), len(self.plan)) - 1)
        if n_workers and not parallel_drawing_available():
            n_workers = 0
        self.n_workers = n_workers
        self._workers, self._results = [], {}

    def __enter__(self):
        if not self.n_workers:
            self._counter = _Counter(range(len(self.plan)))
            return self
        import multiprocessing

        _warm_up()  # paid once here, not once per process
        ctx = multiprocessing.get_context("fork")
        # costliest first (a stable sort: equal costs keep the plan's order)
        order = sorted(range(len(self.plan)), key=lambda i: -self.plan[i].cost)
        self._counter = _Counter(order, ctx.Value("i", 0))
        for _ in range(self.n_workers):
            receive, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=self._work, args=(send,), daemon=True)
            proc.start()
            send.close()
            self._workers.append((proc, receive))
        return self

    def __exit__(self, *exc):
        for proc, receive in self._workers:
            if proc.is_alive():
                proc.terminate()
            proc.join()
            receive.close()
        self._workers = []
        return False

    def _work(self, send):
        """A worker's life: draw charts until none is left, send them back."""
        try:
            out = []
            while (i := self._counter.next()) is not None:
                result = draw_planned(self.plan[i], self.print_dpi)
                if isinstance(result, Chart):
                    result.figure = None  # pixels travel; figures stay here
                out.append((i, result))
            send.send(("ok", out))
        except BaseException:  # noqa: BLE001 - reported to the parent in full
            send.send(("error", traceback.format_exc()))
        finally:
            send.close()

    def finish(self) -> list:
        """Draw the charts left, collect the workers', in the plan's order."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1) as encoder:
            while (i := self._counter.next()) is not None:
                self._results[i] = draw_planned(self.plan[i], self.print_dpi, encoder)
            for result in self._results.values():
                pending = getattr(result, "_pending", None)
                if pending is not None:
                    result.print_png, result.screen_png = pending.result()
                    del result._pending
        for proc, receive in self._workers:
            self._results.update(self._receive(proc, receive))
        missing = set(range(len(self.plan))) - set(self._results)
        if missing:  # pragma: no cover - a worker always sends its share
            raise RuntimeError(f"charts {sorted(missing)} were never drawn")
        return [self._results[i] for i in range(len(self.plan))]

    @staticmethod
    def _receive(proc, receive):
        while not receive.poll(0.05):
            if not proc.is_alive() and not receive.poll(0):
                raise RuntimeError(
                    f"a chart-drawing worker process ended (exit code "
                    f"{proc.exitcode}) without sending its charts"
                )
        status, payload = receive.recv()
        if status != "ok":
            raise RuntimeError(f"drawing charts in a worker process failed:\n{payload}")
        return dict(payload)
