"""Drive Snakemake's HTML report in headless Chromium and list what is broken.

The report is a single-page React app: a landing page (the workflow
description beside the rule graph), a menu with one entry per result
category, and per category a table of results, each with an eye button that
shows a figure in the content pane (PNG, SVG, JPEG), an HTML or PDF result in
an iframe, or, for any other type (CSV, TXT, YAML), is a download link whose
href is the file as a data URI. check_report clicks through it as a reader
would and returns a list of problems, empty when every item works.

Chromium and ChromeDriver come from Debian's packages; nothing is downloaded
at run time (Selenium Manager is bypassed by naming the driver).
"""

import base64
import csv
import io
import re
import shutil
from pathlib import Path
from urllib.parse import unquote_to_bytes

from selenium import webdriver
from selenium.common.exceptions import (
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_SECONDS = 10
# The menu's own entries, above the result categories.
GENERAL_ENTRIES = ("Workflow", "Statistics", "About")

# XPath templates for a link of the navbar's breadcrumbs and a menu entry,
# each by its text; CSS selectors for the results listed and the content pane.
BREADCRUMB = "//nav//ol/li/a[normalize-space(.)='{}']"
MENU_ENTRY = "//nav//ul/li/a[span[normalize-space(.)='{}']]"
RESULT_ROWS = "nav table tbody tr"
CONTENT = "#app > div > div.grow"


def browser_available() -> bool:
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


def start_browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        # Chromium refuses to start as root (as in CI) with its sandbox on.
        "--no-sandbox",
        # Containers often have a small /dev/shm, which crashes tabs.
        "--disable-dev-shm-usage",
        "--window-size=1600,1000",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(
        service=Service(executable_path=str(CHROMEDRIVER)), options=options
    )


def decode_data_uri(uri: str) -> tuple[str, bytes]:
    """The mime type and the bytes of a data: URI."""
    header, _, payload = uri.partition(",")
    mime = header.removeprefix("data:").split(";")[0]
    if header.endswith(";base64"):
        return mime, base64.b64decode(payload)
    return mime, unquote_to_bytes(payload)


def table_problem(data: bytes) -> str | None:
    """Why DATA is not a CSV table with a header and at least one row."""
    try:
        rows = list(csv.reader(io.StringIO(data.decode())))
    except (UnicodeDecodeError, csv.Error) as error:
        return f"is not a readable CSV table ({error})"
    rows = [row for row in rows if row]
    if len(rows) < 2:
        return f"has {max(len(rows) - 1, 0)} rows under its header"
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        return f"has rows of different widths {sorted(widths)}"
    return None


def why_unclickable(error: WebDriverException) -> str:
    """The reason in ChromeDriver's refusal to click, in a few words."""
    covered = re.search(r"Other element would receive the click: (<[^>]*>)", error.msg)
    if covered:
        return f"covered by {covered.group(1)}"
    return error.msg.splitlines()[0] if error.msg else type(error).__name__


class ReportChecker:
    """One pass through a report; problems collects what failed."""

    def __init__(self, driver, screenshot_dir: Path | None):
        self.driver = driver
        self.screenshot_dir = screenshot_dir
        self.problems: list[str] = []

    def wait_for(self, condition, what: str) -> bool:
        # React replaces elements as it renders: one found a moment ago may
        # be gone by the time it is read, which is no failure yet.
        wait = WebDriverWait(
            self.driver,
            WAIT_SECONDS,
            # Most waits end within a frame or two: poll often (default 0.5 s).
            poll_frequency=0.02,
            ignored_exceptions=[StaleElementReferenceException],
        )
        try:
            wait.until(lambda driver: condition())
            return True
        except TimeoutException:
            self.problems.append(f"{what}: not shown within {WAIT_SECONDS} s")
            return False

    def screenshot(self, name: str) -> None:
        if self.screenshot_dir is None:
            return
        path = self.screenshot_dir / f"{name}.png"
        self.driver.save_screenshot(str(path))

    def console_errors(self, during: str) -> None:
        # get_log empties the browser's log: each call holds what was logged
        # since the previous one, so the error names the step that caused it.
        for entry in self.driver.get_log("browser"):
            if entry["level"] == "SEVERE":
                self.problems.append(
                    f"console error while {during}: {entry['message']}"
                )

    def xpath(self, template: str, text: str = ""):
        # XPath 1.0 has no escapes: the names here hold no quote.
        return self.driver.find_elements(By.XPATH, template.format(text))

    def click(self, template: str, text: str) -> bool:
        elements = self.xpath(template, text)
        if not elements:
            return False
        elements[-1].click()
        return True

    def breadcrumbs(self) -> list[str]:
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll('nav ol li'),"
            " item => item.textContent.trim());"
        )

    def app_state(self, key: str):
        return self.driver.execute_script(f"return app.state.{key};")

    # The landing page.

    def check_images(self, where: str) -> None:
        """Every <img> in the document has loaded and has a width."""
        if not self.wait_for(
            lambda: self.driver.execute_script(
                "return Array.from(document.images).every(image => image.complete);"
            ),
            f"{where}: images",
        ):
            return
        broken = self.driver.execute_script(
            "return Array.from(document.images)"
            ".filter(image => image.naturalWidth === 0)"
            ".map(image => image.alt || image.src.slice(0, 60));"
        )
        for name in broken:
            self.problems.append(f"{where}: image {name!r} did not load")

    def check_html_tables(self, where: str) -> None:
        """Every <table> in the content pane has a body row."""
        tables = self.driver.find_elements(By.CSS_SELECTOR, f"{CONTENT} table")
        for number, table in enumerate(tables, 1):
            if not table.find_elements(By.XPATH, ".//tr[td]"):
                self.problems.append(f"{where}: table {number} has no rows")

    def check_landing(self) -> bool:
        if not self.wait_for(
            lambda: self.xpath(MENU_ENTRY, GENERAL_ENTRIES[0]), "the report's menu"
        ):
            return False
        description = self.driver.find_elements(By.CSS_SELECTOR, f"{CONTENT} .prose")
        if not description or not description[0].text.strip():
            self.problems.append("landing page: it shows no text")
        self.check_images("landing page")
        self.check_html_tables("landing page")
        self.check_reachable("landing page")
        self.screenshot("00-landing")
        self.console_errors("loading the landing page")
        self.check_landing_links()
        return True

    def check_landing_links(self) -> None:
        """The summary's javascript:app.show… links open what they name."""
        selector = f"{CONTENT} .prose a[href^='javascript:app.']"
        targets = [
            link.get_attribute("href")
            for link in self.driver.find_elements(By.CSS_SELECTOR, selector)
        ]
        categories = self.driver.execute_script("return categories;")
        results = self.driver.execute_script("return results;")
        unclickable = []
        for number, target in enumerate(targets):
            if target in targets[:number]:
                continue
            call = re.fullmatch(r"javascript:app\.(\w+)\('([^']*)'\);?", target)
            if call is None:
                self.problems.append(f"landing page: link {target!r} is no app call")
                continue
            function, argument = call.groups()
            known = {"showCategory": categories, "showResultInfo": results}
            if argument not in known.get(function, {}):
                self.problems.append(
                    f"landing page: link {target!r} names nothing in the report"
                )
                continue
            # Click it as a reader does, then come back to the landing page.
            link = self.driver.find_elements(By.CSS_SELECTOR, selector)[number]
            try:
                link.click()
            except WebDriverException as error:
                # Hidden, out of reach or covered: a reader cannot follow it,
                # but it may still be checked where it leads.
                unclickable.append(f"{target} ({why_unclickable(error)})")
                self.driver.execute_script("arguments[0].click();", link)
            # Both views name their target in the navbar's breadcrumbs.
            self.wait_for(
                lambda argument=argument: argument in self.breadcrumbs(),
                f"landing page: link {target!r}",
            )
            self.console_errors(f"following the landing page's link {target!r}")
            # The links change the navbar only, not the landing page.
            self.back_to_menu()
        if unclickable:
            self.problems.append(
                f"landing page: {len(unclickable)} of its {len(set(targets))} "
                f"links cannot be clicked: {'; '.join(unclickable)}"
            )

    def check_reachable(self, where: str) -> None:
        """The content pane can be scrolled to the top and left of what it shows.

        It centres its content: content larger than the window overflows on
        both sides, and the part above or left of the pane cannot be scrolled to.
        """
        hidden_top, hidden_left = self.driver.execute_script(
            "let pane = document.querySelector(arguments[0]);"
            "pane.scrollTo(0, 0);"
            "let paneBox = pane.getBoundingClientRect();"
            "let box = pane.firstElementChild.getBoundingClientRect();"
            "return [Math.round(paneBox.top - box.top),"
            " Math.round(paneBox.left - box.left)];",
            CONTENT,
        )
        for pixels, side in ((hidden_top, "top"), (hidden_left, "left")):
            if pixels > 0:
                self.problems.append(
                    f"{where}: its {side} {pixels} px lie outside the scrollable "
                    "area, out of the reader's reach"
                )

    # Categories and their results.

    def back_to_menu(self) -> None:
        self.click(BREADCRUMB, "Results")
        self.wait_for(lambda: self.xpath(MENU_ENTRY, GENERAL_ENTRIES[0]), "the menu")

    def menu_categories(self) -> list[str]:
        entries = self.driver.find_elements(By.XPATH, "//nav//ul/li/a/span")
        return [
            entry.text.strip()
            for entry in entries
            if entry.text.strip() not in GENERAL_ENTRIES
        ]

    def check_category(self, category: str) -> None:
        # Back to the landing page first: the content pane keeps the last
        # figure shown, which would stand beside this category's list.
        self.click(MENU_ENTRY, "Workflow")
        self.click(MENU_ENTRY, category)
        if not self.wait_for(
            lambda: self.app_state("navbarMode") in ("category", "subcategory"),
            f"category {category}",
        ):
            return
        if self.app_state("navbarMode") == "subcategory":
            self.check_result_list(category, subcategory=None)
        else:
            subcategories = self.menu_categories()
            for subcategory in subcategories:
                self.click(MENU_ENTRY, subcategory)
                self.check_result_list(category, subcategory)
                self.click(BREADCRUMB, category)
        self.console_errors(f"viewing category {category}")
        self.back_to_menu()

    def check_result_list(self, category: str, subcategory: str | None) -> None:
        where = category if subcategory is None else f"{category}/{subcategory}"
        if not self.wait_for(
            lambda: self.driver.find_elements(By.CSS_SELECTOR, RESULT_ROWS),
            f"category {where}: its results",
        ):
            return
        self.screenshot(f"category-{where.replace('/', '-')}")
        listed = len(self.driver.find_elements(By.CSS_SELECTOR, RESULT_ROWS))
        expected = self.driver.execute_script(
            "let [category, subcategory] = arguments;"
            "return categories[category][subcategory ?? app.state.subcategory]"
            ".length;",
            category,
            subcategory,
        )
        if listed != expected:
            self.problems.append(
                f"category {where}: lists {listed} of its {expected} results"
            )
        for row_number in range(listed):
            self.check_result(where, row_number)

    def check_result(self, where: str, row_number: int) -> None:
        # One round trip for the row's labels and its view (eye) button.
        label, href, view_button = self.driver.execute_script(
            "let row = document.querySelectorAll(arguments[0])[arguments[1]];"
            "let button = row.querySelector('[role=group] a');"
            "let labels = Array.from(row.cells, cell => cell.textContent.trim());"
            "return [labels.filter(Boolean).join(' '),"
            " button.getAttribute('href'), button];",
            RESULT_ROWS,
            row_number,
        )
        if href.startswith("data:"):
            # Snakemake shows no viewer for this type: the button downloads
            # the embedded file, so check that file.
            path = self.driver.execute_script(
                "return Object.keys(results).find("
                "path => results[path].data_uri === arguments[0]);",
                href,
            )
            self.check_download(f"{where}: {path or label}", href)
            return
        # contentPath (the data URI shown) keeps the last figure's until this
        # click replaces it.
        shown_before = self.app_state("contentPath")
        view_button.click()
        if not self.wait_for(
            lambda: self.driver.execute_script(
                "return ['img', 'html', 'pdf'].includes(app.state.content)"
                " && app.state.contentPath !== arguments[0];",
                shown_before,
            ),
            f"{where}: result {label!r}",
        ):
            return
        path = self.app_state("resultPath")
        if self.app_state("content") == "img":
            self.check_figure(where, path)
        else:
            self.check_frame(where, path)

    def check_figure(self, where: str, path: str) -> None:
        selector = f"{CONTENT} img"
        if not self.wait_for(
            lambda: self.driver.execute_script(
                "let image = document.querySelector(arguments[0]);"
                "return image !== null && image.src === results[arguments[1]]"
                ".data_uri && image.complete;",
                selector,
                path,
            ),
            f"{where}: figure {path}",
        ):
            return
        image = self.driver.find_element(By.CSS_SELECTOR, selector)
        if image.get_property("naturalWidth") == 0:
            self.problems.append(f"{where}: figure {path} did not load")
        self.check_reachable(f"{where}: figure {path}")
        self.screenshot(f"figure-{where.replace('/', '-')}-{Path(path).stem}")

    def check_frame(self, where: str, path: str) -> None:
        """An HTML result shows text, and rows in each of its tables."""
        if self.app_state("content") == "pdf":
            return  # Chromium's PDF viewer: nothing in its page to read.
        frame = self.driver.find_element(By.CSS_SELECTOR, f"{CONTENT} iframe")
        self.driver.switch_to.frame(frame)
        try:
            self.wait_for(
                lambda: self.driver.execute_script(
                    "return document.readyState === 'complete';"
                ),
                f"{where}: {path}",
            )
            body = self.driver.find_elements(By.TAG_NAME, "body")
            if not body or not body[0].text.strip():
                self.problems.append(f"{where}: {path} shows an empty page")
            for number, table in enumerate(
                self.driver.find_elements(By.TAG_NAME, "table"), 1
            ):
                if not table.find_elements(By.XPATH, ".//tr[td]"):
                    self.problems.append(f"{where}: {path}: table {number} is empty")
        finally:
            self.driver.switch_to.default_content()

    def check_download(self, name: str, href: str) -> None:
        try:
            mime, data = decode_data_uri(href)
        except ValueError as error:
            self.problems.append(f"{name}: its download is not a data URI ({error})")
            return
        if not data.strip():
            self.problems.append(f"{name}: its download is empty")
        elif mime in ("text/csv", "text/tab-separated-values"):
            why = table_problem(data.replace(b"\t", b",") if "tab" in mime else data)
            if why:
                self.problems.append(f"{name}: the table {why}")

    def check_self_contained(self) -> None:
        """The report loads nothing from the network: it must work offline."""
        fetched = self.driver.execute_script(
            "return performance.getEntriesByType('resource').map(r => r.name);"
        )
        for url in fetched:
            if not url.startswith(("data:", "file:", "blob:")):
                self.problems.append(f"the report fetches {url}")


def check_report(
    driver,
    report: Path,
    expected_categories,
    screenshot_dir: Path | None = None,
) -> list[str]:
    """Open REPORT, visit every category and result; return what is broken.

    Saves screenshots (landing page, each category, each opened figure) to
    SCREENSHOT_DIR, emptied first, when one is given.
    """
    if screenshot_dir is not None:
        shutil.rmtree(screenshot_dir, ignore_errors=True)
        screenshot_dir.mkdir(parents=True)
    checker = ReportChecker(driver, screenshot_dir)
    driver.get(report.resolve().as_uri())
    # The navbar animates its width as it changes: a click computed while the
    # page still moves lands beside its target, and waiting is slow.
    driver.execute_script(
        "let style = document.createElement('style');"
        "style.textContent = '*, *::before, *::after"
        " { transition: none !important; animation: none !important; }';"
        "document.head.append(style);"
    )
    if not checker.check_landing():
        checker.console_errors("loading the report")
        return checker.problems
    categories = checker.menu_categories()
    for category in expected_categories:
        if category not in categories:
            checker.problems.append(f"category {category} is missing from the menu")
    for category in categories:
        checker.check_category(category)
    checker.check_self_contained()
    checker.console_errors("leaving the report")
    return checker.problems
