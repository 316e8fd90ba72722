"""The portal with Django's test client, on a real store: per-country authorisation on every
route, upload (check only and submit through the same intake), review, throttling, CSRF and
the security headers. The browser journeys are in test_portal_browser.py."""

from __future__ import annotations

import os
import re
from html import escape

import pandas as pd
import pytest

from pipelines.sample import sample_files, submit_sample

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A store with Kenya's and Uganda's files, and three accounts."""
    home = tmp_path_factory.mktemp("portal")
    patch = pytest.MonkeyPatch()
    patch.setenv("MIGSTATS_HOME", str(home))
    patch.delenv("MIGSTATS_DATABASE_URL", raising=False)
    patch.setenv("DJANGO_SETTINGS_MODULE", "portal.settings")
    patch.setenv("MIGSTATS_PORTAL_HOSTS", "testserver,127.0.0.1")
    from portal import commands

    commands.setup()
    commands.prepare()
    from portal import services

    ids = {}
    for item in sample_files():
        if item.country in {"KEN", "UGA"} and "region" in item.path.parts:
            receipt = submit_sample(item, services.store(), services.engine())
            ids.setdefault(item.country, receipt.submission_id)
    commands.add_user("ken", PASSWORD, role="focal_point", countries=["KEN"], full_name="Kim Ken")
    commands.add_user("uga", PASSWORD, role="focal_point", countries=["UGA"])
    commands.add_user("sec", PASSWORD, role="secretariat", countries=[])
    yield ids
    patch.undo()


def client_for(username: str | None):
    from django.test import Client

    client = Client()
    if username:
        assert client.login(username=username, password=PASSWORD)
    return client


def test_every_page_but_login_needs_an_account(site):
    anonymous = client_for(None)
    urls = ["/", "/upload/", "/state/KEN/", f"/submission/{site['KEN']}/", "/tracker/",
            "/review/", "/releases/", "/runs/", "/warnings/",
            "/template/immigration.xlsx"]  # fmt: skip
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    assert anonymous.get("/login/").status_code == 200


def test_a_focal_point_never_reaches_another_state(site):
    ken = client_for("ken")
    uga_id = site["UGA"]
    for url in [
        "/state/UGA/", "/state/uga/", "/state/ZZZ/", "/state/..%2F..%2Fetc/",
        f"/submission/{uga_id}/", f"/submission/{uga_id}/report.xlsx",
        f"/submission/{uga_id}/report.html", f"/submission/{uga_id}/report.json",
        "/template/immigration.xlsx?country=UGA",
        "/tracker/", "/review/", "/releases/", "/runs/", "/warnings/",
    ]:  # fmt: skip
        assert ken.get(url).status_code == 404, url
    response = ken.post(f"/review/{uga_id}/approve/", {"reason": ""})
    assert response.status_code == 404
    response = ken.post("/upload/", {"country": "UGA", "dataset": "immigration", "submit": "1"})
    assert response.status_code == 404
    assert ken.get("/state/KEN/").status_code == 200
    assert ken.get(f"/submission/{site['KEN']}/").status_code == 200


def test_check_only_changes_nothing_and_submit_goes_through_intake(site):
    from pipelines.warehouse.registry import submissions_frame
    from portal import services

    ken = client_for("ken")
    before = len(submissions_frame(services.engine()))
    bad = b"ref_area,time_period,sex,obs_value\nKEN,2023,M,abc\nKEN,2023,F,12\n"
    response = ken.post(
        "/upload/",
        {"country": "KEN", "dataset": "immigration", "check": "1",
         "file": _upload("mistakes.csv", bad)},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200 and "rejected" in page and "R5" in page
    assert "nothing was submitted" in page.lower()
    assert len(submissions_frame(services.engine())) == before

    good = b"ref_area,time_period,sex,obs_value\nKEN,2024,M,10\nKEN,2024,F,12\nKEN,2024,_T,22\n"
    response = ken.post(
        "/upload/",
        {"country": "KEN", "dataset": "immigration", "submit": "1",
         "meta_data_source": "REGISTER", "file": _upload("ken 2024.csv", good)},
    )  # fmt: skip
    assert response.status_code == 200
    registry = submissions_frame(services.engine())
    assert len(registry) == before + 1
    new = registry.sort_values("id").iloc[-1]
    assert (new["channel"], new["submitted_by"], new["data_source"]) == (
        "portal",
        "Kim Ken (ken)",
        "REGISTER",
    )
    assert new["status"].startswith("accepted")
    history = ken.get("/state/KEN/").content.decode()
    assert "ken 2024.csv" in history
    from portal.models import AuditEvent

    assert AuditEvent.objects.filter(action="upload", username="ken", country="KEN").exists()


def test_reports_are_downloads_never_pages_of_the_portal(site):
    ken = client_for("ken")
    response = ken.get(f"/submission/{site['KEN']}/report.html")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]
    xlsx = ken.get(f"/submission/{site['KEN']}/report.xlsx")
    assert xlsx.content[:2] == b"PK"
    template = ken.get("/template/immigration.xlsx?country=KEN")
    assert template.status_code == 200 and b"".join(template.streaming_content)[:2] == b"PK"


def test_pages_carry_the_security_headers(site):
    response = client_for("ken").get("/state/KEN/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def test_the_secretariat_sees_every_state_and_decides(site):
    sec = client_for("sec")
    for url in ["/tracker/", "/review/", "/releases/", "/runs/", "/warnings/", "/state/UGA/",
                f"/submission/{site['UGA']}/"]:  # fmt: skip
        assert sec.get(url).status_code == 200, url
    tracker = sec.get("/tracker/").content.decode()
    assert "KEN" in tracker and "missing" in tracker
    # a decision on a submission that is not held is refused with a sentence
    response = sec.post(f"/review/{site['KEN']}/approve/", {"reason": ""})
    assert response.status_code == 400


def test_logins_are_throttled_after_repeated_failures(site):
    from django.test import Client

    client = Client()
    for _ in range(5):
        response = client.post("/login/", {"username": "uga", "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/login/", {"username": "uga", "password": PASSWORD})
    assert response.status_code == 429  # even the right password, for a while


def test_forms_need_the_csrf_token(site):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/login/", {"username": "ken", "password": PASSWORD})
    assert response.status_code == 403


def test_passwords_are_hashed_with_argon2(site):
    from django.contrib.auth.models import User

    assert User.objects.get(username="ken").password.startswith("argon2")


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_the_portal_reads_the_same_store_as_the_pipeline(site):
    from portal import services

    assert str(services.store().home) == os.environ["MIGSTATS_HOME"]


@pytest.mark.integration
def test_accounts_from_the_command_line(site, tmp_path):
    """`migstats users add` with a password on stdin, then `disable`: the account can no
    longer log in. Run as a user would, in processes of their own, on the same store."""
    import subprocess
    import sys

    env = {**os.environ}
    add = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "users", "add", "zmb", "--country", "ZMB",
         "--name", "Zoe Mwale", "--password-stdin"],
        input=PASSWORD + "\n", env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert add.returncode == 0, add.stderr
    assert "Account zmb created: National focal point for ZMB." in add.stdout
    assert client_for("zmb").get("/state/ZMB/").status_code == 200
    short = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "users", "add", "x", "--country", "ZMB",
         "--password-stdin"],
        input="short\n", env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert short.returncode != 0 and "too short" in short.stderr
    assert "Traceback" not in short.stderr
    gone = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "users", "disable", "zmb"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert gone.returncode == 0, gone.stderr
    from django.test import Client

    assert not Client().login(username="zmb", password=PASSWORD)


@pytest.mark.postgres
def test_the_portal_keeps_its_accounts_in_postgresql(tmp_path, postgres_database):
    """With MIGSTATS_DATABASE_URL on PostgreSQL the portal's tables are there, beside the
    registry (a temporary database on the local server)."""
    import subprocess
    import sys

    import sqlalchemy as sa

    target = postgres_database.render_as_string(hide_password=False)
    env = {**os.environ, "MIGSTATS_HOME": str(tmp_path), "MIGSTATS_DATABASE_URL": target}
    done = subprocess.run(
        [sys.executable, "-m", "portal.demo_accounts"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    engine = sa.create_engine(target)
    with engine.connect() as conn:
        users = conn.execute(sa.text("SELECT username FROM auth_user ORDER BY 1")).scalars()
        assert list(users) == ["kenya", "secretariat", "uganda"]
    engine.dispose()


def test_what_the_attack_session_found_is_closed(site):
    """Regressions from the attack session: the admin's login is not a way around the
    throttle, odd parameters are not 500s, and large bodies are refused before they are read."""
    from django.test import Client

    anonymous = Client()
    response = anonymous.post("/admin/login/", {"username": "sec", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    ken = client_for("ken")
    assert ken.get("/admin/").status_code in (302, 404)
    assert ken.post("/admin/login/", {"username": "sec", "password": PASSWORD}).status_code == 404
    fresh = Client()
    response = fresh.post("/login/?next=home", {"username": "ken", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    sec = client_for("sec")
    assert sec.get("/tracker/?year=²").status_code == 200
    assert sec.post(f"/review/{10**23}/approve/", {}).status_code == 404
    assert sec.head("/tracker/").status_code == 200
    big = anonymous.generic(
        "POST", "/login/", b"x", content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(2 * 1024**3),
    )  # fmt: skip
    assert big.status_code == 413
    upload = ken.generic(
        "POST", "/upload/", b"x", content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(2 * 1024**3),
    )  # fmt: skip
    assert upload.status_code == 413 and b"Nothing was received" in upload.content


def test_pages_speak_the_language_the_browser_asks_for(site):
    from django.test import Client

    french = Client(HTTP_ACCEPT_LANGUAGE="fr").get("/login/").content.decode()
    assert 'lang="fr"' in french and "Se connecter" in french
    arabic = Client(HTTP_ACCEPT_LANGUAGE="ar").get("/login/").content.decode()
    assert 'dir="rtl"' in arabic and "تسجيل الدخول" in arabic
    ken = client_for("ken")
    page = ken.get("/upload/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "KEN — كينيا" in page  # country names from the CLDR, in the page's language
    assert "CENSUS — تعداد السكان" in page  # the contract's codelists, in the page's language
    assert "الهجرة الوافدة" in page and "مصدر البيانات" in page  # datasets, metadata fields


def test_reports_speak_the_page_language(site):
    """The messages of rules.yaml, the report's own words and its numbers, in French; the
    stored report of a submission written again in Arabic when an Arabic reader opens it."""
    from pipelines.i18n import words
    from portal import services

    contract = services.contract()
    ken = client_for("ken")
    bad = b"ref_area,time_period,sex,obs_value\nKEN,2023,M,abc\nKEN,2023,F,12\n"
    page = ken.post(
        "/upload/",
        {"country": "KEN", "dataset": "immigration", "check": "1",
         "file": _upload("mistakes.csv", bad)},
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()  # fmt: skip
    french = contract.rules["R5"].message_in("not_integer", "fr").format(value="abc")
    assert escape(french) in page and words("fr")("rejected") in page
    arabic = ken.get(f"/submission/{site['KEN']}/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert words("ar")("accepted") in arabic or words("ar")("accepted with warnings") in arabic
    report = ken.get(f"/submission/{site['KEN']}/report.json", HTTP_ACCEPT_LANGUAGE="ar")
    assert report.json()["language"] == "ar"


def test_the_secretariat_reads_the_quality_warnings_in_its_language(site):
    """A warning of the latest release, said in the page's language from its kept values."""
    from pipelines.regional.coherence import mirror_warnings
    from pipelines.regional.quality import quality_warnings
    from portal import services

    contract = services.contract()
    flows = pd.DataFrame(
        {
            "origin_area": ["ZWE"],
            "destination_area": ["ZMB"],
            "time_period": [2023],
            "reported_by_origin": pd.array([909], "Int64"),
            "reported_by_destination": pd.array([2404], "Int64"),
            "ratio": [909 / 2404],
        }
    )
    assert len(mirror_warnings(contract, flows)) == 1
    registry = pd.DataFrame(columns=["id", "country", "dataset", "status"])
    empty = pd.DataFrame(columns=["submission_id", "rule", "message", "suggestion"])
    table = quality_warnings(contract, {"mirror_flows": flows}, registry, empty)
    table.to_sql("quality_warnings", services.engine(), if_exists="replace", index=False)
    sec = client_for("sec")
    english = sec.get("/warnings/").content.decode()
    french = sec.get("/warnings/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "(ratio 0.38)" in english
    assert "0,38" in french and "(ratio 0.38)" not in french
    assert "params<" not in french and ">nan<" not in french
    # the columns are headed in the page's language, not by their ids
    assert '<th scope="col">Member state</th>' in english and ">ref_area<" not in english
    assert '<th scope="col">Autre État membre</th>' in french
    arabic = sec.get("/warnings/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<th scope="col">السنة</th>' in arabic
    assert ">2023<" in french and "2023,0" not in french  # a year, not a decimal


@pytest.fixture(scope="module")
def published(site):
    """The site's store after a consolidation: one release of Kenya's and Uganda's data."""
    from pipelines.orchestrate import consolidate
    from pipelines.warehouse.registry import published_release_ids
    from portal import services

    assert consolidate(services.store(), quiet=True).success
    (release,) = published_release_ids(services.engine())
    return release


def _release_table(release: str, table: str) -> pd.DataFrame:
    from portal import services

    return pd.read_parquet(services.store().releases_dir / release / f"{table}.parquet")


@pytest.mark.integration
def test_anyone_browses_the_published_tables_in_their_language(published):
    anonymous = client_for(None)
    assert anonymous.get("/data/")["Location"] == f"/data/{published}/"
    english = anonymous.get(f"/data/{published}/").content.decode()
    assert "Population by citizenship, sex and age" in english
    assert "regional_" not in english and "quality_warnings" not in english  # internal
    french = anonymous.get(f"/data/{published}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Population par nationalité, sexe et âge" in french
    url = f"/data/{published}/population_by_citizenship/?ref_area=KEN&time_period=2023&sex=F"
    page = anonymous.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert 0 < body.count("<tr>") == body.count("<tr><td>KEN <span")  # Kenya's rows only
    assert "<td>no</td>" in body  # derived: in words
    arabic = anonymous.get(url, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in arabic and "كينيا" in arabic
    # the footnotes of the rows in view, each with its text, under the table
    rows = _release_table(published, "population_by_citizenship")
    kept = rows[(rows["ref_area"] == "KEN") & (rows["time_period"] == 2023) & (rows["sex"] == "F")]
    codes = {code for cell in kept["footnotes"].dropna() for code in cell.split()}
    notes = _release_table(published, "footnotes").set_index("code")["text"]
    notes_html = [f'<dt>{c}</dt><dd lang="en" dir="ltr">{escape(notes[c])}</dd>' for c in codes]
    assert codes and all(note in html for note in notes_html)
    # every age and citizenship of Kenya's women in 2023: too much to draw, so the page says
    # how to get a chart; the totals by citizenship are drawn, numbers grouped as French does
    assert "<svg" not in html and "To see this view as a chart, filter it" in html
    totals = f"{url}&age=_T&citizenship=_T&citizenship=KEN&citizenship=UGA"
    french = anonymous.get(totals, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert french.count("<svg") == 1
    assert '<figcaption class="muted">Population par nationalité' in french
    table = _release_table(published, "population_by_citizenship")
    total = table[
        (table["ref_area"] == "KEN")
        & (table["time_period"] == 2023)
        & (table["sex"] == "F")
        & (table["age"] == "_T")
        & (table["citizenship"] == "_T")
    ]["obs_value"].iloc[0]
    assert f"<td>{int(total):,}</td>".replace(",", "\u202f") in french
    assert "<td>non</td>" in french
    for bad in (
        "/data/20990101T000000Z-nothing/",
        f"/data/{published}/regional_population_stock/",
        f"/data/{published}/quality_warnings/",
    ):
        assert anonymous.get(bad).status_code == 404, bad
    # an address of no page at all is any other page without an account: the login
    for bad in (
        f"/data/{published}/population_by_citizenship.exe",
        f"/data/{published}/..%2f..%2fwarehouse.sqlite/",
    ):
        assert anonymous.get(bad).status_code == 302, bad


@pytest.mark.integration
def test_a_long_view_is_read_a_page_at_a_time(published):
    """A slow connection gets a page of rows at a time: the pages follow one another in the
    table's order, keep the filter, and together hold the view; any other page number is
    the first or the last page."""
    from portal.views.public import PAGE_ROWS

    anonymous = client_for(None)
    table = _release_table(published, "population_by_citizenship")
    kenya = table[table["ref_area"] == "KEN"]
    pages = -(-len(kenya) // PAGE_ROWS)
    assert pages >= 2, "the test needs a view of several pages"
    base = f"/data/{published}/population_by_citizenship/?ref_area=KEN"

    def rows_of(html: str) -> list[str]:
        body = html.split("<tbody>")[1].split("</tbody>")[0]
        return [r for r in body.split("<tr>")[1:]]

    seen = []
    for page in range(1, pages + 1):
        html = anonymous.get(f"{base}&page={page}").content.decode()
        seen += rows_of(html)
        assert f"Page {page} of {pages}" in html
        if page < pages:
            assert f'href="?ref_area=KEN&amp;page={page + 1}" rel="next"' in html
    assert len(seen) == len(kenya) and all("<td>KEN <span" in r for r in seen)
    last = anonymous.get(f"{base}&page={pages}").content.decode()
    for odd in ("0", "-1", "x", "9" * 5000, "\u00b2", "\u2460", str(pages + 5)):
        html = anonymous.get(f"{base}&page={odd}").content.decode()
        expected = last if odd == str(pages + 5) else anonymous.get(base).content.decode()
        assert rows_of(html) == rows_of(expected), odd[:10]


@pytest.mark.integration
def test_a_downloaded_view_holds_exactly_the_rows_of_the_filtered_table(published, tmp_path):
    import io

    import openpyxl

    from pipelines.release.sdmx_structure import sdmx_problems
    from portal import services

    anonymous = client_for(None)
    query = "ref_area=KEN&time_period=2023&sex=F&sex=M"
    base = f"/data/{published}/population_by_citizenship"
    table = _release_table(published, "population_by_citizenship")
    want = table[
        (table["ref_area"] == "KEN")
        & (table["time_period"] == 2023)
        & table["sex"].isin(["F", "M"])
    ]
    assert 0 < len(want) < len(table)
    got = pd.read_csv(
        io.BytesIO(anonymous.get(f"{base}.csv?{query}").content),
        encoding="utf-8-sig",
        keep_default_na=False,
        dtype=str,
    )
    assert len(got) == len(want)

    def cells(frame: pd.DataFrame, values: pd.Series) -> list[tuple[str, ...]]:
        columns = [frame["citizenship"].astype(str), frame["sex"].astype(str), values]
        return sorted(zip(*columns, strict=True))

    numbers = want["obs_value"].astype("Int64").astype("string").fillna("")
    assert cells(got, got["obs_value"]) == cells(want, numbers)
    book = openpyxl.load_workbook(io.BytesIO(anonymous.get(f"{base}.xlsx?{query}").content))
    sheet = book["data"]
    assert sheet.max_row == len(want) + 1
    sdmx = tmp_path / "population_by_citizenship.sdmx.csv"
    sdmx.write_bytes(anonymous.get(f"{base}.sdmx.csv?{query}").content)
    folder = services.store().releases_dir / published
    assert sdmx_problems(folder / "structure.xml", [sdmx]) == []
    assert len(sdmx.read_text(encoding="utf-8").splitlines()) == len(want) + 1


@pytest.mark.integration
def test_a_suppressed_value_is_absent_from_every_page_and_download(published):
    """A cell disclosure control suppressed, looked up in the unprotected table the release
    was made from: the explorer's page and files of exactly that cell never show its value."""
    import io

    from portal import services

    contract = services.contract()
    storage = services.store().storage_dir
    found = None
    for name, model in contract.tables.by_name.items():
        if model.dataset is None or not (storage / f"{name}.parquet").exists():
            continue
        table = _release_table(published, name)
        hidden = table[
            table["conf_status"].isin(["A", "S"]) & table["ref_area"].isin(contract.members)
        ]
        if len(hidden):
            found = name, model, hidden.iloc[0]
            break
    assert found, "the release suppresses no cell; the test needs one"
    name, model, row = found
    internal = pd.read_parquet(storage / f"{name}.parquet")
    match = pd.Series(True, index=internal.index)
    for key in model.key:
        match &= internal[key].astype(str) == str(row[key])
    (value,) = internal.loc[match, "obs_value"].tolist()
    assert value > 0 and pd.isna(row["obs_value"])
    query = "&".join(f"{key}={row[key]}" for key in model.key)
    anonymous = client_for(None)
    page = anonymous.get(f"/data/{published}/{name}/?{query}").content.decode()
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == 1 and "confidential" in body
    assert f">{int(value):,}<" not in body and f">{int(value)}<" not in body
    got = pd.read_csv(
        io.BytesIO(anonymous.get(f"/data/{published}/{name}.csv?{query}").content),
        encoding="utf-8-sig",
        keep_default_na=False,
        dtype=str,
    )
    assert got["obs_value"].tolist() == [""] and got["conf_status"].tolist() == [row["conf_status"]]
    sdmx = anonymous.get(f"/data/{published}/{name}.sdmx.csv?{query}").content.decode()
    assert str(int(value)) not in sdmx.splitlines()[1].split(",")
    # the chart of the view around it: along a key column where its neighbours have values
    # to draw (by sex, they may all be suppressed with it)
    from pipelines.explorer_chart import MAX_BARS
    from pipelines.release.charts import PYRAMID_SOURCES, pyramid_data

    def neighbours(column: str) -> pd.DataFrame:
        near = pd.Series(True, index=table.index)
        for key in model.key:
            if key != column:
                near &= table[key].astype(str) == str(row[key])
        return table[near]

    varied = next(
        c for c in reversed(model.key) if 2 <= neighbours(c)["obs_value"].notna().sum() <= MAX_BARS
    )
    around = "&".join(f"{key}={row[key]}" for key in model.key if key != varied)
    for lang, said in (("en", "confidential"), ("fr", "confidentiel")):
        page = anonymous.get(f"/data/{published}/{name}/?{around}", HTTP_ACCEPT_LANGUAGE=lang)
        html = page.content.decode()
        assert said in html and "<svg" in html, lang  # the chart of the view is drawn
        # one mark per published value (each with its words for a screen reader), none for
        # the suppressed cell
        marks = re.findall(r'role="graphics-symbol" aria-roledescription="bar"', html)
        assert len(marks) == neighbours(varied)["obs_value"].notna().sum(), lang
    # the pyramid of its state and year: drawn from the release's cells, as published
    state, year = str(row["ref_area"]), int(row["time_period"])
    sources = {t: _release_table(published, t) for t, _ in PYRAMID_SOURCES}
    want = pyramid_data(contract, sources, state, year)
    charts = anonymous.get(f"/data/{published}/charts/?state={state}&year={year}")
    bar = r'role="graphics-symbol" aria-roledescription="bar"'
    drawn = re.findall(bar, charts.content.decode())
    assert 0 < len(drawn) == len(want)


@pytest.mark.integration
def test_charts_wait_their_turn_and_a_page_is_served_without_one_meanwhile(published, monkeypatch):
    """Each chart is a process of its own: a worker draws two at once; a page that cannot get
    its turn in time is served without its chart (saying so), which is drawn on the next ask."""
    from portal.views import public

    monkeypatch.setattr(public, "RENDER_WAIT", 0.1)
    url = (
        f"/data/{published}/population_by_citizenship/?ref_area=KEN&time_period=2022&sex=F"
        "&age=_T&citizenship=_T&citizenship=KEN&citizenship=UGA"
    )
    anonymous = client_for(None)
    assert public._RENDERING.acquire() and public._RENDERING.acquire()
    try:
        html = anonymous.get(url).content.decode()
        assert "<svg" not in html and "Too many charts are being drawn" in html
        charts = anonymous.get(f"/data/{published}/charts/?state=KEN&year=2022")
        assert "Too many charts are being drawn" in charts.content.decode()
    finally:
        public._RENDERING.release()
        public._RENDERING.release()
    html = anonymous.get(url).content.decode()
    assert html.count("<svg") == 1 and "Too many charts" not in html
    # a rendering that fails: the page is served, without the chart, and says so
    from pipelines.release import chart_render

    def broken(*args, **kwargs):
        raise RuntimeError("rendering the charts failed: V8 gave up")

    monkeypatch.setattr(chart_render, "svg_of", broken)
    page = anonymous.get(url.replace("time_period=2022", "time_period=2021"))
    assert page.status_code == 200
    assert "The chart of this view could not be drawn" in page.content.decode()


@pytest.mark.integration
def test_anyone_downloads_the_sdmx_structure_codelists_and_chart_pictures(published):
    """The files a release lists besides its tables, linked from its page and downloaded as
    the release folder holds them; nothing else of the folder or the store."""
    from portal import services

    folder = services.store().releases_dir / published
    anonymous = client_for(None)
    page = anonymous.get(f"/data/{published}/").content.decode()
    for name in ("structure.xml", "structure.json", "codelists.xlsx", "README.txt"):
        url = f"/data/{published}/files/{name}"
        assert f'href="{url}"' in page, name
        got = anonymous.get(url)
        assert got.status_code == 200 and "attachment" in got["Content-Disposition"], name
        assert b"".join(got.streaming_content) == (folder / name).read_bytes(), name
    png = anonymous.get(f"/data/{published}/files/charts/migrant_stock.fr.png")
    assert png["Content-Type"] == "image/png"
    assert b"".join(png.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    charts = anonymous.get(f"/data/{published}/charts/").content.decode()
    assert f'href="/data/{published}/files/charts/migrant_stock.en.png"' in charts
    for bad in (
        "release.json",
        "internal/quality_warnings.csv",
        "population_by_citizenship.parquet",
        "../../warehouse.sqlite",
        "charts/../structure.xml",
        "nothing.txt",
    ):
        assert anonymous.get(f"/data/{published}/files/{bad}").status_code == 404, bad


@pytest.mark.integration
def test_anyone_sees_the_charts_of_a_release_and_a_migrant_pyramid(published):
    anonymous = client_for(None)
    page = anonymous.get(f"/data/{published}/charts/").content.decode()
    assert f'src="/data/{published}/charts/migrant_stock.en.svg"' in page
    assert "International migrant stock by member state." in page  # the picture's alt text
    picture = anonymous.get(f"/data/{published}/charts/migrant_stock.en.svg")
    assert picture.status_code == 200 and picture["Content-Type"] == "image/svg+xml"
    french = anonymous.get(f"/data/{published}/charts/", HTTP_ACCEPT_LANGUAGE="fr").content
    assert b"migrant_stock.fr.svg" in french
    # the numbers under each chart, in the page's language
    assert '<th scope="col">Année</th>' in french.decode() and "Ouganda" in french.decode()
    pyramid = anonymous.get(f"/data/{published}/charts/?state=KEN&year=2023").content.decode()
    assert "<svg" in pyramid and "Migrants by age and sex: Kenya, 2023" in pyramid
    # drawn once: asked again, it is not rendered again
    from pipelines.release import chart_render

    def not_again(*args, **kwargs):
        raise AssertionError("the pyramid was rendered a second time")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chart_render, "svg_of", not_again)
        again = anonymous.get(f"/data/{published}/charts/?state=KEN&year=2023")
        assert again.content.decode().count("<svg") == 1
    for year in ("\u00b2\u00b2\u00b2\u00b2", "2\u00b2\u00b23", "99999999999999"):
        odd = anonymous.get(f"/data/{published}/charts/?state=KEN&year={year}")
        assert odd.status_code == 200 and "<svg" not in odd.content.decode(), year
    for bad in ("../warehouse.sqlite", "migrant_stock.en.png", "nothing.svg"):
        assert anonymous.get(f"/data/{published}/charts/{bad}").status_code in (302, 404), bad
