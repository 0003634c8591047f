"""End to end: `disparities app` in a real headless Chromium (selenium).

Starts the app in a subprocess on a free loopback port, then clicks through the
flow a person follows: load the demo, pick Durham, click a candidate, choose it
as the focus (a JSON record appears), download the board deck (a .pptx
appears); and the same load step with a real file uploaded through the page.
Screenshots go to tests/artifacts/ (git-ignored). Uses Debian's chromium and
chromedriver (``apt-get install chromium chromium-driver``; ``.ci/run`` installs
them); skipped only when they are not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("panel")
webdriver = pytest.importorskip("selenium.webdriver")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).parent / "artifacts"
SHARED = ROOT.parent / "shared" / "data"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and Path(CHROMEDRIVER).exists()),
    reason="needs Debian's chromium and chromium-driver (apt-get install -y "
    "chromium chromium-driver)",
)

# Every element of the page, through Bokeh's shadow roots.
_DEEP = """
function walk(root, out) {
  root.querySelectorAll('*').forEach(e => {
    out.push(e); if (e.shadowRoot) walk(e.shadowRoot, out); });
  return out;
}
"""
_FIND = (
    _DEEP
    + """
const [sel, text] = arguments;
return walk(document, []).filter(e => e.matches(sel) &&
  (!text || (e.innerText || e.textContent || e.value || '').includes(text)));
"""
)
_TEXT = (
    _DEEP
    + """
return walk(document, []).filter(e => e.shadowRoot)
  .map(e => e.shadowRoot.textContent).join(' ');
"""
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    out = tmp_path_factory.mktemp("app_out")
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), MPLBACKEND="Agg")
    log = open(out / "server.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "disparities.cli", "app", "--no-browser"]
        + ["--port", str(port), "--out", str(out)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        assert proc.poll() is None, (out / "server.log").read_text()
        time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("the app did not start within 60 s")
    yield {"url": f"http://127.0.0.1:{port}/", "out": out, "port": port}
    proc.terminate()
    proc.wait(timeout=15)
    log.close()


@pytest.fixture
def browser(tmp_path):
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1000",
        "--no-first-run",
        "--disable-background-networking",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium never fetches a driver
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.execute_cdp_cmd(
        "Browser.setDownloadBehavior",
        {"behavior": "allow", "downloadPath": str(downloads)},
    )
    drv.downloads = downloads
    yield drv
    drv.quit()


def _find(drv, sel, text="", timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        hits = drv.execute_script(_FIND, sel, text)
        hits = [h for h in hits if h.is_displayed()] or hits
        if hits:
            return hits[0]
        time.sleep(0.2)
    raise AssertionError(f"no {sel!r} with text {text!r} on the page")


def _wait_text(drv, text, timeout=30.0) -> float:
    t0 = time.time()
    while time.time() - t0 < timeout:
        if text in drv.execute_script(_TEXT):
            return time.time() - t0
        time.sleep(0.2)
    raise AssertionError(f"the page never said {text!r}")


def _wait_file(folder: Path, pattern: str, timeout=60.0) -> Path:
    t0 = time.time()
    while time.time() - t0 < timeout:
        hits = [p for p in folder.glob(pattern) if p.stat().st_size > 0]
        if hits:
            return hits[0]
        time.sleep(0.2)
    raise AssertionError(f"no {pattern} in {folder} after {timeout} s")


def _shot(drv, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    height = drv.execute_script(
        "return Math.max(document.body.scrollHeight, "
        "document.documentElement.scrollHeight)"
    )
    drv.set_window_size(1400, min(max(int(height) + 100, 1000), 6000))
    drv.execute_script("window.scrollTo(0, 0);")
    time.sleep(0.3)
    path = ARTIFACTS / name
    drv.save_screenshot(str(path))
    return path


def _click(drv, el):
    from selenium.common.exceptions import (
        ElementClickInterceptedException,
        ElementNotInteractableException,
    )

    drv.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    try:
        el.click()
    except (ElementClickInterceptedException, ElementNotInteractableException):
        # an open drop-down list covers it: click it the way a script does
        drv.execute_script("arguments[0].click();", el)


def _external_requests(drv, port: int) -> list[str]:
    urls = []
    for entry in drv.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    ok = (f"http://127.0.0.1:{port}/", f"ws://127.0.0.1:{port}/", "data:", "blob:")
    return [u for u in urls if not u.startswith(ok)]


def _outward_ip() -> str | None:
    """This machine's address on its network (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 1))
            return sock.getsockname()[0]
        except OSError:
            return None


def test_app_listens_on_loopback_only(server):
    ip = _outward_ip()
    if not ip or ip.startswith("127."):
        pytest.skip("this machine has no network address besides loopback")
    with socket.socket() as sock:
        sock.settimeout(2)
        assert sock.connect_ex((ip, server["port"])) != 0


def _pick_durham(drv):
    box = _find(drv, "input[placeholder^='Start typing']")
    _click(drv, box)
    box.send_keys("Durh")
    item = _find(drv, ".bk-menu div, .bk-menu .bk-item", "Durham County", timeout=10)
    _click(drv, item)
    _click(drv, _find(drv, "button", "Show this county"))
    return _wait_text(drv, "candidate disparities, best first")


def test_demo_flow_in_a_browser(server, browser):
    drv, times = browser, {}
    t = time.time()
    drv.get(server["url"])
    _find(drv, "button", "Load the data", timeout=30)
    times["page opens"] = time.time() - t
    _click(drv, _find(drv, "button", "Load the data"))
    times["load the demo"] = _wait_text(drv, "Data loaded: 100 counties of NC")
    assert "SYNTHETIC DEMO DATA" in drv.execute_script(_TEXT)
    _shot(drv, "app_1_data_loaded.png")

    times["pick Durham"] = _pick_durham(drv)
    assert "Durham County: " in drv.execute_script(_TEXT)

    t = time.time()
    time.sleep(0.5)  # the table finishes drawing
    cell = _find(drv, ".tabulator-row .tabulator-cell[tabulator-field='Rank']")
    _click(drv, cell)
    _wait_text(drv, "Candidate 1 shown in step 4")
    _find(drv, "img", "")  # a chart is drawn
    times["click a candidate (charts, bright spots)"] = time.time() - t
    _shot(drv, "app_2_candidate.png")

    reason = _find(drv, "textarea[placeholder^='e.g. Big gap']")
    _click(drv, reason)
    reason.send_keys("Many children affected; our partners can act on it.")
    reason.send_keys("\t")
    time.sleep(0.5)
    t = time.time()
    _click(drv, _find(drv, "button", "Choose this as our focus"))
    record_path = _wait_file(server["out"], "durham_county_focus.json", 20)
    times["choose the focus"] = time.time() - t
    record = json.loads(record_path.read_text())
    assert record["geo_id"] == "37063"
    assert record["reason"] == "Many children affected; our partners can act on it."
    assert record["rank_when_chosen"] == 1
    _wait_text(drv, "Our focus:")

    t = time.time()
    _click(drv, _find(drv, "button", "Download board deck"))
    deck = _wait_file(drv.downloads, "*.pptx", 60)
    times["download the deck"] = time.time() - t
    assert deck.read_bytes()[:2] == b"PK"  # a .pptx is a zip file
    _shot(drv, "app_3_focus_chosen.png")

    external = _external_requests(drv, server["port"])
    assert external == [], f"the page asked the network for {external}"
    (ARTIFACTS / "app_timings.json").write_text(json.dumps(times, indent=2))
    print(json.dumps(times, indent=2))


REAL_FILE = SHARED / "chr2022_nc_county_health_rankings_v1.xlsx"


@pytest.mark.skipif(not REAL_FILE.exists(), reason="../shared/data is absent")
def test_real_file_upload_in_a_browser(server, browser):
    drv = browser
    drv.get(server["url"])
    _click(drv, _find(drv, "button", "Upload files", timeout=30))
    upload = _find(drv, "input[type='file']")
    upload.send_keys(str(REAL_FILE))
    time.sleep(1.0)  # the bytes travel to the server
    _click(drv, _find(drv, "button", "Load the data"))
    _wait_text(drv, "Data loaded: 100 counties of NC", timeout=40)
    text = drv.execute_script(_TEXT)
    # the load report, in words, names the file and accounts for its rows
    assert "chr2022_nc_county_health_rankings_v1.xlsx (read as a County Health" in text
    assert "101 rows read, 101 kept" in text
    assert "SYNTHETIC DEMO DATA" not in text
    _pick_durham(drv)
    _shot(drv, "app_4_real_file.png")
