"""Download certificaten in headless Chromium: with htmx, and the whole flow without JavaScript."""

import io
import re
import threading
import zipfile

import pytest

from tests.browser.fixtures import assert_accessible
from tests.factories import PASSWORD, Factory
from tests.passes.test_flow import pdf_text, qr_urls

pytestmark = pytest.mark.browser


@pytest.fixture
def live_world(live_server):
    from tests.passes.conftest import PassesWorld

    with live_server.app.app_context():
        world = PassesWorld(Factory(live_server.app))
        world.many(30)
        return world.roc.id


@pytest.fixture
def held_build(monkeypatch):
    """The passes of a request are laid out only once the test sets the returned event. The live server
    has no REDIS_URL, so its jobs run in threads of this very process: patching the renderer here holds
    the build there, and the requests page is sure to open on an unfinished request."""
    from webapp.passes.render import PassRenderer

    release = threading.Event()
    render_many = PassRenderer.render_many

    def held(self, items):
        release.wait(30)
        return render_many(self, items)

    monkeypatch.setattr(PassRenderer, "render_many", held)
    yield release
    release.set()  # a failed test must not leave a job thread waiting


def focused(page) -> dict:
    """What has keyboard focus: its text (with the visually hidden part), the holder row or table head it is in."""
    return page.evaluate("""() => {
        const element = document.activeElement;
        const text = element === document.body ? '(nothing: the page)' : element.textContent.replace(/\\s+/g, ' ').trim();
        return {text, tag: element.tagName.toLowerCase(),
                row: element.closest('tbody[id], tr[id]')?.id || null, head: !!element.closest('thead'),
                expanded: element.getAttribute('aria-expanded')};
    }""")


def settled(page) -> None:
    """Wait until htmx has settled its swap: until then the new content's hx- attributes are not processed,
    and an Enter on a just-swapped-in button would post the form without htmx (a full page load)."""
    page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added").first.wait_for(state="detached")


def keep(page, name, selector) -> None:
    """Hold on to the element now at `selector`, under `name` (prefixed: window.status is the browser's own)."""
    page.evaluate("([name, selector]) => { window['__' + name] = document.querySelector(selector) }", [name, selector])


def still_there(page, name, selector) -> bool:
    """Whether the element kept under `name` is still the one in the page (a live region a screen reader
    announces changes of must stay; a new one is not announced)."""
    return page.evaluate(
        """([name, selector]) => {
        const kept = window['__' + name];
        return !!kept && kept.isConnected && kept === document.querySelector(selector);
    }""",
        [name, selector],
    )


def log_in(page, live_server):
    page.goto(live_server.url + "/inloggen")
    page.get_by_label("E-mailadres").fill("deby@herenbos.example")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("ROC Kop van Noord-Holland").check()
    page.get_by_role("button", name="OK").click()
    page.goto(live_server.url + "/pasjes")


def check_archive(data, tmp_path, live_server):
    archive = zipfile.ZipFile(io.BytesIO(data))
    name = next(n for n in archive.namelist() if n.startswith("73029884"))
    pdf = archive.read(name)
    text = pdf_text(pdf)
    assert "73029884" in text and "Mevr. K.C. Knightley" in text and "Eerste Hulp" in text
    urls = qr_urls(pdf, tmp_path)
    assert len(urls) == 1 and urls[0].startswith(live_server.url + "/pasjes/verificatie/")
    return urls[0]


def test_filter_sort_details_select_submit_download(page, live_server, live_world, tmp_path):
    log_in(page, live_server)
    assert_accessible(page)
    rows = page.locator("table.holders > tbody")
    # filtering as one types (htmx), the URL follows
    page.get_by_label("Zoek").fill("knight")
    page.wait_for_url(re.compile(r"zoek=knight"))
    assert rows.count() == 1
    assert page.url == f"{live_server.url}/pasjes?zoek=knight"  # bookmarkable: no empty form fields
    page.get_by_label("Zoek").fill("")
    page.wait_for_url(f"{live_server.url}/pasjes")
    page.wait_for_function("document.querySelectorAll('table.holders > tbody').length > 1")
    # sort by name, then reversed
    page.get_by_role("link", name="Naam").click()
    page.wait_for_url(re.compile(r"sort=naam"))
    page.get_by_role("link", name=re.compile("^Naam")).click()
    page.wait_for_url(re.compile(r"richting=desc"))
    assert "Dhr. TT Te Tester" in rows.first.inner_text()
    # details open and close
    page.get_by_label("Zoek").fill("7302")
    page.wait_for_url(re.compile(r"zoek=7302"))
    page.wait_for_function("document.querySelectorAll('table.holders > tbody').length == 1")
    # row actions swap just the holder's <tbody> and the counter: the page never navigates (the marker survives)
    page.evaluate("window.__noReload = 'still here'")
    url_before = page.url
    holder = page.locator("table.holders > tbody", has_text="73029884")
    holder.get_by_role("link", name=re.compile("Bekijk details")).click()
    page.get_by_text("j.bos@onsweb.nl").wait_for()
    assert holder.get_by_role("link", name=re.compile("Bekijk details")).get_attribute("aria-expanded") == "true"
    assert_accessible(page)
    holder.get_by_role("button", name=re.compile("Voeg toe Mevr. K.C. Knightley")).click()
    page.get_by_text(re.compile(r"1 Kwalificatiehouder\(s\) toegevoegd van 1 organisaties")).wait_for()
    holder.get_by_role("button", name=re.compile("Verwijder Mevr. K.C. Knightley")).wait_for()
    assert page.get_by_text("j.bos@onsweb.nl").is_visible()  # the details stay open across the swap
    holder.get_by_role("link", name=re.compile("Bekijk details")).click()
    page.get_by_text("j.bos@onsweb.nl").wait_for(state="detached")
    holder.get_by_role("button", name=re.compile("Verwijder Mevr. K.C. Knightley")).click()
    page.get_by_text(re.compile(r"0 Kwalificatiehouder\(s\) toegevoegd van 0 organisaties")).wait_for()
    holder.get_by_role("button", name=re.compile("Voeg toe Mevr. K.C. Knightley")).click()
    page.get_by_text(re.compile(r"1 Kwalificatiehouder\(s\) toegevoegd van 1 organisaties")).wait_for()
    assert page.evaluate("window.__noReload") == "still here" and page.url == url_before
    assert page.locator("table.holders > tbody").count() == 1 and page.locator("#selection-counter").count() == 1
    page.goto(live_server.url + "/pasjes")
    page.get_by_role("button", name="Voeg alle toe").click()
    page.get_by_text(re.compile(r"32 Kwalificatiehouder\(s\) toegevoegd van 2 organisaties")).wait_for()
    page.evaluate("window.__noReload = 'still here'")
    page.get_by_role("button", name=re.compile("Verwijder H. Houder0000")).click()
    page.get_by_text(re.compile(r"31 Kwalificatiehouder\(s\) toegevoegd van 2 organisaties")).wait_for()
    page.get_by_role("button", name=re.compile("Voeg toe H. Houder0000")).wait_for()
    assert page.evaluate("window.__noReload") == "still here"
    # options, submit, watch it become available, download
    page.get_by_role("link", name="Dien verzoek in").click()
    assert_accessible(page)
    page.get_by_label("Kenmerk (optioneel)").fill("testgroep")
    page.get_by_role("button", name="Dien verzoek in").click()
    page.wait_for_url(re.compile(r"/pasjes/verzoeken$"))
    row = page.locator("tr", has_text="testgroep")
    row.get_by_text("Beschikbaar").wait_for(timeout=60_000)
    assert "Verzoek verdwijnt over 7 dagen" in row.inner_text()
    assert_accessible(page)
    with page.expect_download() as info:
        row.get_by_role("link", name=re.compile("Download pdf's")).click()
    download = info.value
    assert re.fullmatch(r"pdf-arch-request-\d+\.zip", download.suggested_filename)
    url = check_archive(open(download.path(), "rb").read(), tmp_path, live_server)
    page.goto(url)
    assert page.locator(".verify-result").inner_text().strip() == "Geldig"
    assert_accessible(page)


def test_whole_flow_without_javascript(page_without_js, live_server, live_world, tmp_path, held_build):
    page = page_without_js
    log_in(page, live_server)
    page.get_by_label("Zoek").fill("Knightley")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"/pasjes\?zoek=Knightley$"))  # the clean URL, not the form's empty fields
    page.get_by_role("link", name=re.compile("Bekijk details")).click()
    page.get_by_text("j.bos@onsweb.nl").wait_for()
    page.get_by_role("link", name="Kwalificatienr.").click()
    page.wait_for_url(re.compile(r"zoek=Knightley.*richting=desc|richting=desc.*zoek=Knightley"))
    page.get_by_role("button", name=re.compile("Voeg toe Mevr. K.C. Knightley")).click()
    page.wait_for_url(re.compile(r"zoek=Knightley"))
    page.get_by_text(re.compile(r"1 Kwalificatiehouder\(s\) toegevoegd van 1 organisaties")).wait_for()
    page.get_by_role("link", name="Dien verzoek in").click()
    page.get_by_role("button", name="Dien verzoek in").click()
    page.wait_for_url(re.compile(r"/pasjes/verzoeken$"))
    assert (
        "Wordt aangemaakt" in page.locator("tbody tr").inner_text()
        or "In wachtrij" in page.locator("tbody tr").inner_text()
    )
    assert_accessible(page)
    from webapp.core.jobs import wait_for_in_process_jobs

    held_build.set()
    wait_for_in_process_jobs()  # the live server runs its jobs in this process; without JavaScript the user reloads
    page.get_by_role("link", name="Vernieuwen").click()
    page.locator("tbody tr", has_text="Beschikbaar").wait_for()
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Download pdf's")).click()
    check_archive(open(info.value.path(), "rb").read(), tmp_path, live_server)


def test_keyboard_focus_comes_back_to_the_control_after_a_swap(page, live_server, live_world):
    log_in(page, live_server)
    page.goto(live_server.url + "/pasjes?zoek=73029884")
    page.evaluate("window.__noReload = 'still here'")
    holder = page.locator("table.holders > tbody", has_text="73029884")
    row_id = holder.get_attribute("id")
    counter = page.locator("#selection-counter")
    before = counter.inner_text()
    # Tab from "Bekijk details" to "Voeg toe", Enter: focus lands on the row's "Verwijder"
    holder.get_by_role("link", name=re.compile("Bekijk details")).focus()
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Voeg toe Mevr. K.C. Knightley"
    page.keyboard.press("Enter")
    holder.get_by_role("button", name=re.compile("^Verwijder")).wait_for()
    settled(page)
    assert focused(page) == {
        "text": "Verwijder Mevr. K.C. Knightley",
        "tag": "button",
        "row": row_id,
        "head": False,
        "expanded": None,
    }
    assert counter.inner_text() != before and "1 Kwalificatiehouder(s) toegevoegd" in counter.inner_text()
    # and back: Enter on "Verwijder" lands on "Voeg toe"
    page.keyboard.press("Enter")
    holder.get_by_role("button", name=re.compile("^Voeg toe")).wait_for()
    settled(page)
    assert focused(page)["text"] == "Voeg toe Mevr. K.C. Knightley" and focused(page)["row"] == row_id
    assert "0 Kwalificatiehouder(s)" in counter.inner_text()
    # "Bekijk details" opens and closes with focus staying on it
    page.keyboard.press("Shift+Tab")
    assert focused(page)["text"].startswith("Bekijk details")
    page.keyboard.press("Enter")
    page.get_by_text("j.bos@onsweb.nl").wait_for()
    settled(page)
    assert focused(page) == {
        "text": "Bekijk details van Mevr. K.C. Knightley",
        "tag": "a",
        "row": row_id,
        "head": False,
        "expanded": "true",
    }
    page.keyboard.press("Enter")
    page.get_by_text("j.bos@onsweb.nl").wait_for(state="detached")
    settled(page)
    assert focused(page)["expanded"] == "false" and focused(page)["row"] == row_id
    # a column header: the list is swapped, focus stays on that header's link
    page.get_by_role("link", name="Naam").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sort=naam"))
    page.locator("th[aria-sort] a", has_text="Naam").wait_for()
    settled(page)
    assert focused(page)["head"] and focused(page)["text"].startswith("Naam")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"richting=desc"))
    page.locator("th[aria-sort=descending] a", has_text="Naam").wait_for()
    assert focused(page)["head"] and focused(page)["text"].startswith("Naam")
    assert page.evaluate("window.__noReload") == "still here"  # every step was an htmx swap, not a page load


def test_live_regions_stay_in_place_while_their_text_changes(page, live_server, live_world):
    """A screen reader announces a change inside a live region it knows, not a freshly inserted one."""
    log_in(page, live_server)
    page.goto(live_server.url + "/pasjes?zoek=73029884")
    counter = page.locator("#selection-counter")
    assert counter.get_attribute("role") == "status"
    keep(page, "counter", "#selection-counter")
    page.get_by_role("button", name=re.compile("Voeg toe Mevr. K.C. Knightley")).click()
    page.get_by_role("button", name=re.compile("Verwijder Mevr. K.C. Knightley")).wait_for()
    assert "1 Kwalificatiehouder(s) toegevoegd" in counter.inner_text()
    assert still_there(page, "counter", "#selection-counter")
    count = page.locator(".result-count")
    assert count.get_attribute("role") == "status" and count.inner_text().startswith("1 regel(s) gevonden")
    keep(page, "count", ".result-count")
    page.get_by_label("Zoek").fill("")
    page.wait_for_url(f"{live_server.url}/pasjes")
    page.locator(".result-count", has_text="32 regel(s) gevonden").wait_for()  # deby: two organisations
    assert still_there(page, "count", ".result-count")
    page.get_by_role("link", name="Naam").click()
    page.wait_for_url(re.compile(r"sort=naam"))
    assert still_there(page, "count", ".result-count") and page.locator(".result-count").count() == 1
    # Back: htmx restores the page from the server (no history cache); the regions come with it
    page.go_back()
    page.wait_for_url(f"{live_server.url}/pasjes")
    page.locator("th:not([aria-sort]) a", has_text="Naam").wait_for()
    assert "1 Kwalificatiehouder(s) toegevoegd" in page.locator("#selection-counter").inner_text()
    assert page.locator(".result-count").inner_text().startswith("32 regel(s) gevonden")


def test_a_request_row_updates_itself_until_available_then_stops_polling(page, live_server, live_world, held_build):
    """The build is held (held_build: the renderer, patched in this process, where the live server's job
    threads run) until the page has seen the row unfinished and polling; then it may finish."""
    log_in(page, live_server)
    page.get_by_role("button", name="Voeg alle toe").click()
    page.get_by_text(re.compile(r"32 Kwalificatiehouder\(s\) toegevoegd")).wait_for()
    page.get_by_role("link", name="Dien verzoek in").click()
    page.get_by_label("Kenmerk (optioneel)").fill("testgroep")
    page.get_by_role("button", name="Dien verzoek in").click()
    page.wait_for_url(re.compile(r"/pasjes/verzoeken$"))
    row = page.locator("tr", has_text="testgroep")
    row_url = f"{live_server.url}/pasjes/verzoeken/{row.get_attribute('id').removeprefix('request-')}"
    polls = []
    page.on("request", lambda request: polls.append(request.url) if request.url == row_url else None)
    assert re.search(r"(In wachtrij|Wordt aangemaakt).*0 van 32", row.inner_text(), re.S)  # held: not final
    assert_accessible(page)
    # it polls; the "Vernieuwen" link (for a page without JavaScript) keeps focus through the polls
    refresh = row.get_by_role("link", name="Vernieuwen")
    refresh.focus()
    keep(page, "refresh", f"#{row.get_attribute('id')} a")
    for _ in range(50):
        if len(polls) >= 3:
            break
        page.wait_for_timeout(200)
    assert len(polls) >= 3, "the unfinished row does not poll"
    assert "Beschikbaar" not in row.inner_text()
    assert still_there(page, "refresh", f"#{row.get_attribute('id')} a") and focused(page)["text"] == "Vernieuwen"
    page.evaluate("window.__noReload = 'still here'")
    keep(page, "statusRegion", "#flashes")
    held_build.set()
    row.get_by_text("Beschikbaar").wait_for(timeout=60_000)
    assert page.evaluate("window.__noReload") == "still here"  # the row updated itself
    status = page.locator("#flashes")
    assert status.get_attribute("role") == "status" and still_there(page, "statusRegion", "#flashes")
    assert "Verzoek testgroep is beschikbaar." in status.inner_text()
    assert focused(page)["text"] == "Download pdf's testgroep"  # the control that took Vernieuwen's place
    final = len(polls)
    page.wait_for_timeout(2500)
    assert len(polls) == final, "the row kept polling after it was final"
    assert_accessible(page)
