"""Each chart is rendered once: at print and screen resolution, or screen only."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

from disparities.profile import PRINT_DPI, SCREEN_DPI, Chart, rasterise  # noqa: E402


def _chart():
    fig, ax = plt.subplots(figsize=(4.0, 2.0))
    ax.bar(["a", "b"], [1, 2])
    return Chart("k", "overview", "Heading", "Title", "Alt text", fig)


def test_print_and_screen_images_from_one_render():
    c = rasterise(_chart())
    big = Image.open(io.BytesIO(c.print_png))
    small = Image.open(io.BytesIO(c.screen_png))
    # 4 x 2 inches: 800 x 400 pixels at 200 dpi, 400 x 200 at 100 dpi
    assert big.size == (4 * PRINT_DPI, 2 * PRINT_DPI)
    assert small.size == (4 * SCREEN_DPI, 2 * SCREEN_DPI)
    assert big.info["Description"] == "Alt text"
    plt.close("all")


def test_screen_only_images_for_the_batch():
    c = rasterise(_chart(), print_dpi=None)
    img = Image.open(io.BytesIO(c.print_png))
    assert img.size == (4 * SCREEN_DPI, 2 * SCREEN_DPI)
    assert c.print_png == c.screen_png  # one image serves the file and the page
    assert img.info["Description"] == "Alt text"
    plt.close("all")
