"""The portal's main journeys in a real browser: Playwright driving Debian's Chromium against
the portal served by gunicorn (`migstats portal`), over a real store.

Skipped, saying why, where Chromium or Playwright is missing (`.ci/run` installs Chromium).
Screenshots of the main pages are written to .artifacts/screenshots/ (or
MIGSTATS_SCREENSHOTS), for a person to look at.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines.sample import SAMPLE_DIR, sample_files, submit_sample
from pipelines.settings import Settings
from pipelines.warehouse.engine import make_engine
from pipelines.warehouse.registry import ensure_registry, submissions_frame

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("MIGSTATS_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("MIGSTATS_SCREENSHOTS") or REPO / ".artifacts" / "screenshots")

pytestmark = pytest.mark.slow
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not Path(CHROMIUM).exists():
    pytest.skip(
        f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)",
        allow_module_level=True,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A store with Kenya's and Uganda's files (Uganda's resubmission held), the demo
    accounts, and the portal served on a free port."""
    home = tmp_path_factory.mktemp("browser")
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'warehouse.sqlite'}")
    engine = make_engine(settings.database_url)
    ensure_registry(engine)
    for item in sample_files():
        if item.country in {"KEN", "UGA"} and "invalid" not in item.path.parts:
            submit_sample(item, settings, engine)
    env = {**os.environ, "MIGSTATS_HOME": str(home), "MIGSTATS_DATABASE_URL": settings.database_url}
    subprocess.run(
        [sys.executable, "-m", "portal.demo_accounts"], env=env, check=True, capture_output=True
    )
    port = _free_port()
    log = (home / "portal.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "portal", "--bind", f"127.0.0.1:{port}"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{base}/login/", timeout=5)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the portal did not start:\n" + (home / "portal.log").read_text())
            time.sleep(1)
    yield base, settings
    # the whole group: `migstats portal` and the gunicorn it started (which outlives it)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def log_in(browser, base: str, account: str, password: str):
    page = browser.new_context(
        accept_downloads=True, viewport={"width": 1280, "height": 900}
    ).new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", account)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    return page


def test_a_focal_point_checks_fixes_and_submits_a_file(server, browser, tmp_path):
    base, settings = server
    page = browser.new_page()
    page.goto(f"{base}/")
    assert "/login/" in page.url  # nothing without an account
    page.screenshot(path=SHOTS / "01-login.png", full_page=True)
    page.close()

    page = log_in(browser, base, "kenya", "demo-kenya-focal-point")
    assert page.url.endswith("/state/KEN/")
    page.screenshot(path=SHOTS / "02-history.png", full_page=True)

    page.goto(f"{base}/upload/")
    with page.expect_download() as download:
        page.click("text=Immigration")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    assert template.read_bytes()[:2] == b"PK"

    wrong = tmp_path / "ken immigration 2024.csv"
    wrong.write_text(
        "ref_area,time_period,sex,obs_value\nKEN,2024,M,abc\nKEN,2024,F,12\nKEN,2024,_T,22\n"
    )
    page.select_option("select[name=dataset]", "immigration")
    page.set_input_files("input[name=file]", wrong)
    page.click("button[name=check]")
    page.wait_for_selector("section.report")
    report = page.inner_text("section.report")
    assert "rejected" in report and "R5" in report and "row 2" in report
    page.screenshot(path=SHOTS / "03-check-report.png", full_page=True)
    before = len(submissions_frame(make_engine(settings.database_url)))

    wrong.write_text(
        "ref_area,time_period,sex,obs_value\nKEN,2024,M,10\nKEN,2024,F,12\nKEN,2024,_T,22\n"
    )
    page.select_option("select[name=dataset]", "immigration")
    page.select_option("select[name=meta_data_source]", "REGISTER")
    page.set_input_files("input[name=file]", wrong)
    page.click("button[name=submit]")
    page.wait_for_selector("section.receipt")
    assert "ACCEPTED" in page.inner_text("section.receipt")
    page.screenshot(path=SHOTS / "04-receipt.png", full_page=True)
    assert len(submissions_frame(make_engine(settings.database_url))) == before + 1

    page.goto(f"{base}/state/KEN/")
    assert "ken immigration 2024.csv" in page.inner_text("table.history")

    # a large file goes up with a progress bar (XMLHttpRequest), and its report replaces the page
    page.goto(f"{base}/upload/")
    big = tmp_path / "ken population 2023 big.csv"
    big.write_bytes(
        (SAMPLE_DIR / "region" / "KEN" / "ken_population_stock_2021-2023.csv").read_bytes() * 40
    )
    assert big.stat().st_size > 512 * 1024
    page.select_option("select[name=dataset]", "population_stock")
    page.set_input_files("input[name=file]", big)
    page.click("button[name=check]")
    page.wait_for_selector("section.report", timeout=120_000)
    report = page.inner_text("section.report")
    assert "rejected" in report and "R6" in report  # the same rows 40 times: duplicates

    # the wrong state, however the address is written
    for url in ["/state/UGA/", "/tracker/", "/review/"]:
        response = page.goto(f"{base}{url}")
        assert response.status == 404, url


def test_the_secretariat_tracks_and_approves_a_held_file(server, browser):
    base, settings = server
    page = log_in(browser, base, "secretariat", "demo-comesa-secretariat")
    assert page.url.endswith("/tracker/")
    grid = page.inner_text("table.grid")
    assert "KEN" in grid and "missing" in grid
    page.screenshot(path=SHOTS / "05-tracker.png", full_page=True)

    page.goto(f"{base}/review/")
    held = page.locator("section.held")
    assert held.count() == 1 and "UGA" in held.inner_text()
    page.screenshot(path=SHOTS / "06-review.png", full_page=True)
    held.locator("button.primary").click()
    page.wait_for_load_state()
    assert "No submission is held for review." in page.inner_text("main")
    registry = submissions_frame(make_engine(settings.database_url))
    approved = registry[registry["decision"] == "approved"]
    assert list(approved["decided_by"]) == ["Secretariat (secretariat)"]


def test_arabic_lays_the_pages_out_right_to_left(server, browser):
    base, _ = server
    page = log_in(browser, base, "kenya", "demo-kenya-focal-point")
    page.select_option("select[name=language]", "ar")
    page.click("form.lang button")
    page.wait_for_load_state()
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    assert "الإرسالات" in page.inner_text("h1") and "تسجيل الخروج" in page.inner_text("header")
    page.goto(f"{base}/upload/")  # the choice is remembered from page to page
    assert page.get_attribute("html", "dir") == "rtl"
    assert "تحقق فقط" in page.inner_text("form#upload-form")
    page.screenshot(path=SHOTS / "07-rtl.png", full_page=True)


def test_the_public_explores_filters_charts_and_downloads_a_view(server, browser, tmp_path):
    """Without an account: the explorer of the release a consolidation published, a table
    filtered in the browser, its chart page, and the view downloaded as CSV, whose rows are
    exactly the published database rows the filter keeps; then the same pages in Arabic."""
    import pandas as pd

    from pipelines.warehouse.publish import read_table

    base, settings = server
    env = {**os.environ, "MIGSTATS_HOME": str(settings.home),
           "MIGSTATS_DATABASE_URL": settings.database_url,
           "DAGSTER_HOME": str(settings.home / "dagster")}  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "consolidate"],
        cwd=REPO, env=env, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    page = browser.new_context(
        accept_downloads=True, viewport={"width": 1280, "height": 900}
    ).new_page()
    page.goto(f"{base}/data/")
    assert "/data/" in page.url and "/login/" not in page.url  # no account needed
    page.click("text=Population by citizenship, sex and age")
    page.select_option("select[name=ref_area]", ["KEN"])
    page.select_option("select[name=time_period]", ["2023"])
    page.select_option("select[name=sex]", ["F", "M"])
    page.select_option("select[name=age]", ["_T"])
    page.click("form.filters button")
    page.wait_for_load_state()
    assert "ref_area=KEN" in page.url and "sex=F" in page.url  # the view's stable address
    shown = page.locator("table.data tbody tr").count()
    view = page.url
    # the chart of the view: a bar for each value the view publishes, none for a suppressed
    chart = page.locator("figure.chart svg")
    assert chart.count() == 1 and chart.bounding_box()["width"] > 300
    bars = page.locator("figure.chart svg [aria-roledescription=bar]").count()
    confidential = page.locator("table.data td.confidential").count()
    assert bars == shown - confidential > 0
    page.screenshot(path=SHOTS / "08-explorer-table.png", full_page=False)
    with page.expect_download() as download:
        page.click("p.downloads >> text=CSV")
    path = tmp_path / "view.csv"
    download.value.save_as(path)
    got = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, dtype=str)
    database = read_table(make_engine(settings.database_url), "population_by_citizenship")
    want = database[
        (database["ref_area"] == "KEN")
        & (database["time_period"] == 2023)
        & database["sex"].isin(["F", "M"])
        & (database["age"] == "_T")
    ]
    assert len(got) == len(want) == shown
    key = ["sex", "age", "citizenship"]
    values = want["obs_value"].astype("Int64").astype("string").fillna("")
    assert sorted(zip(*(got[c] for c in [*key, "obs_value"]), strict=True)) == sorted(
        zip(*(want[c].astype(str) for c in key), values, strict=True)
    )
    page.click("text=Release")
    page.click("text=Charts of this release")
    page.wait_for_load_state()
    widths = page.eval_on_selector_all("figure.chart img", "imgs => imgs.map(i => i.naturalWidth)")
    assert len(widths) >= 3 and all(w > 0 for w in widths)  # every picture loaded
    page.select_option("select[name=state]", "KEN")
    page.select_option("select[name=year]", "2023")
    page.click("form.filters button")
    assert page.locator("figure.chart svg").count() == 1  # the pyramid
    page.screenshot(path=SHOTS / "09-explorer-charts.png", full_page=True)
    arabic = browser.new_context(locale="ar", extra_http_headers={"Accept-Language": "ar"},
                                 viewport={"width": 1280, "height": 900}).new_page()  # fmt: skip
    arabic.goto(page.url)
    assert arabic.get_attribute("html", "dir") == "rtl"
    assert "المهاجرون حسب العمر والجنس" in arabic.inner_text("main")
    arabic.screenshot(path=SHOTS / "10-explorer-rtl.png", full_page=False)
    arabic.goto(view)
    assert arabic.locator("figure.chart svg").count() == 1
    assert "كينيا" in arabic.inner_text("main")
    arabic.screenshot(path=SHOTS / "11-explorer-table-rtl.png", full_page=True)
