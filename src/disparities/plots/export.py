"""Export charts: PNG (200 dpi and up) and SVG with alt text, and a board deck."""

from __future__ import annotations

import io
from pathlib import Path

from disparities.plots.style import get_alt_text

__all__ = ["save_chart", "chart_png_bytes", "build_deck", "DeckSlide"]


def _figure(obj):
    return obj if hasattr(obj, "savefig") else obj.get_figure()


def save_chart(obj, path, *, formats=("png", "svg"), dpi: int = 200) -> list[Path]:
    """Save a chart made by a ``disparities`` helper, its alt text embedded.

    Parameters
    ----------
    obj : matplotlib Axes or Figure
        The chart.
    path : str or Path
        File path without extension (any extension given is replaced).
    formats : sequence of {"png", "svg", "pdf"}
        Files to write.
    dpi : int
        Resolution of raster output (at least 200 for print and projectors).

    Returns
    -------
    list of Path
        The files written. The alt text is stored as the PNG/SVG "Description"
        and in a ``.alt.txt`` file beside them.
    """
    if dpi < 200:
        raise ValueError("use dpi >= 200 so charts stay sharp on a projector")
    fig = _figure(obj)
    base = Path(path)
    base = base.with_suffix("") if base.suffix in {".png", ".svg", ".pdf"} else base
    base.parent.mkdir(parents=True, exist_ok=True)
    alt = get_alt_text(obj) or get_alt_text(fig)
    written = []
    for fmt in formats:
        out = base.with_name(base.name + f".{fmt}")
        meta = {"Description": alt} if fmt in ("png", "svg") and alt else None
        fig.savefig(out, dpi=dpi, format=fmt, metadata=meta, facecolor="white")
        written.append(out)
    alt_path = base.with_name(base.name + ".alt.txt")
    alt_path.write_text(alt + "\n", encoding="utf-8")
    return written


def chart_png_bytes(obj, *, dpi: int = 200) -> bytes:
    """The chart as PNG bytes (for embedding in HTML or a deck)."""
    buf = io.BytesIO()
    _figure(obj).savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


class DeckSlide:
    """One slide of a board deck: a chart, its title, and speaker notes.

    Parameters
    ----------
    chart : matplotlib Axes or Figure
    title : str
        Slide title (plain language).
    notes : str
        Speaker notes: the numbers behind the chart.
    """

    def __init__(self, chart, title: str, notes: str = ""):
        self.chart, self.title, self.notes = chart, title, notes


def build_deck(slides, path, *, title: str, subtitle: str = "") -> Path:
    """Write a 16:9 PowerPoint deck: a title slide, then one chart per slide.

    Each picture carries the chart's alt text (read by screen readers) and each
    slide's speaker notes hold the numbers.

    Returns
    -------
    Path
    """
    from pptx import Presentation
    from pptx.util import Emu, Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    first = prs.slides.add_slide(prs.slide_layouts[0])
    first.shapes.title.text = title
    first.placeholders[1].text = subtitle
    blank = prs.slide_layouts[5]  # title only
    for sl in slides:
        slide = prs.slides.add_slide(blank)
        slide.shapes.title.text = sl.title
        slide.shapes.title.text_frame.paragraphs[0].font.size = Pt(28)
        slide.shapes.title.top, slide.shapes.title.height = Inches(0.2), Inches(1.1)
        slide.shapes.title.left, slide.shapes.title.width = Inches(0.4), Inches(12.5)
        png = io.BytesIO(chart_png_bytes(sl.chart))
        top = Inches(1.3)
        # the figure's own shape (a row of maps is shorter than a slide)
        fig = sl.chart if hasattr(sl.chart, "savefig") else sl.chart.get_figure()
        fw, fh = fig.get_size_inches()
        height = Emu(
            int(min(prs.slide_height - top - Inches(0.1), Inches(12.9) * fh / fw))
        )
        width = Emu(int(height * fw / fh))
        left = Emu(int((prs.slide_width - width) / 2))
        pic = slide.shapes.add_picture(png, left, top, width=width, height=height)
        pic._element.nvPicPr.cNvPr.set("descr", get_alt_text(sl.chart))
        slide.notes_slide.notes_text_frame.text = sl.notes
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    prs.save(out)
    return out
