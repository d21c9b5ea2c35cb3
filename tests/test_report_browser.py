"""The tiny workflow's HTML report, opened in a real (headless) browser.

Chromium and its driver come from Debian's packages (`apt-get install
chromium chromium-driver`, as .ci/run does); without them these tests skip,
unless SUSY_BROWSER_REQUIRED is set, as in CI, where they fail. Screenshots
of the landing page, every category and every figure land in
test-artifacts/report/.
"""

import base64
import json
import os
import re

import pytest
from report_browser import (
    browser_available,
    check_report,
    decode_data_uri,
    start_browser,
)
from tiny_workflow import FIGURES, REPO, TINY_CONFIG, run_snakemake

SCREENSHOTS = REPO / "test-artifacts" / "report"
EXPECTED_CATEGORIES = [*TINY_CONFIG["studies"], "Configuration"]
if TINY_CONFIG["simulation"]["reference"]:
    EXPECTED_CATEGORIES.append("Simulation")

pytestmark = [
    pytest.mark.workflow,
    pytest.mark.skipif(
        not browser_available() and not os.environ.get("SUSY_BROWSER_REQUIRED"),
        reason="no headless Chromium: apt-get install chromium chromium-driver",
    ),
]


@pytest.fixture(scope="module")
def browser_report(finished_run):
    run = run_snakemake(finished_run, "--report", "browser_report.html")
    assert run.returncode == 0, run.stderr[-3000:]
    return finished_run / "browser_report.html"


@pytest.fixture(scope="module")
def browser():
    driver = start_browser()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def report_problems(browser, browser_report):
    """What check_report finds in the tiny run's report; screenshots saved."""
    problems = check_report(browser, browser_report, EXPECTED_CATEGORIES, SCREENSHOTS)
    print("screenshots:", *sorted(SCREENSHOTS.glob("*.png")), sep="\n  ")
    return problems


def test_every_category_figure_and_table_of_the_report_works(report_problems):
    assert report_problems == [], "\n".join(["the report:", *report_problems])
    screenshots = sorted(SCREENSHOTS.glob("*.png"))
    names = {path.name for path in screenshots}
    assert "00-landing.png" in names
    assert {f"category-{name}.png" for name in EXPECTED_CATEGORIES} <= names
    # One screenshot for every figure of every study: each was opened.
    assert {
        f"figure-{study}-{figure}.png"
        for study, figures in FIGURES.items()
        for figure in figures
    } <= names


def replace_variable(html: str, name: str, change) -> str:
    """HTML with the report's `var NAME = <JSON>;` line passed through CHANGE."""
    # The report's data is a script of one line; vega.js has such names too.
    pattern = re.compile(rf"^(\s*var {name} = )(.*);\n\s*</script>", re.MULTILINE)
    match = pattern.search(html)
    assert match, f"no variable {name} in the report"
    value = change(json.loads(match.group(2)))
    # A function as replacement: JSON holds backslashes re.sub would expand.
    return pattern.sub(
        lambda m: m.group(1) + json.dumps(value) + ";\n</script>", html, count=1
    )


def data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


BROKEN_FIGURE = "results/studies/feature_sets/figures/roc_overlay.png"
EMPTY_TABLE = "results/studies/regularisation/summary.csv"
REMOVED_CATEGORY = "initialisation"


def break_report(html: str) -> str:
    """The report with one figure, one table, one category, one landing-page
    image (which logs a console error) and one landing-page link broken, and
    two working links added."""

    def break_results(results):
        results[BROKEN_FIGURE]["data_uri"] = data_uri("image/png", b"not a PNG")
        _, table = decode_data_uri(results[EMPTY_TABLE]["data_uri"])
        header = table.decode().splitlines()[0]
        results[EMPTY_TABLE]["data_uri"] = data_uri("text/csv", header.encode())
        return results

    def remove_category(categories):
        del categories[REMOVED_CATEGORY]
        return categories

    def add_to_landing_page(description):
        # What the summary page will hold: an embedded image, and links that
        # open a category or a result.
        return description + (
            f'<img alt="broken summary image" src="{data_uri("image/png", b"x")}"'
            " onerror=\"console.error('summary image failed')\">"
            "<a href=\"javascript:app.showCategory('feature_sets')\">AUC</a>"
            f"<a href=\"javascript:app.showResultInfo('{BROKEN_FIGURE}')\">ROC</a>"
            "<a href=\"javascript:app.showCategory('no_such_study')\">gone</a>"
        )

    html = replace_variable(html, "results", break_results)
    html = replace_variable(html, "categories", remove_category)
    return replace_variable(html, "workflow_desc", add_to_landing_page)


def test_a_broken_figure_table_category_or_link_is_reported(
    browser, browser_report, report_problems, tmp_path
):
    broken = tmp_path / "broken_report.html"
    broken.write_text(break_report(browser_report.read_text()))
    # Only what the breakage adds: this test proves the checks, the one above
    # the report (it may fail while this one passes).
    problems = [
        problem
        for problem in check_report(browser, broken, EXPECTED_CATEGORIES)
        if problem not in report_problems
    ]
    print(*problems, sep="\n")
    console = [problem for problem in problems if "summary image failed" in problem]
    # The image is drawn anew, and fails anew, each time the landing page shows.
    assert console[0].startswith("console error while loading the landing page")
    expected = [
        f"feature_sets: figure {BROKEN_FIGURE} did not load",
        f"regularisation: {EMPTY_TABLE}: the table has 0 rows under its header",
        f"category {REMOVED_CATEGORY} is missing from the menu",
        "landing page: image 'broken summary image' did not load",
        "landing page: link \"javascript:app.showCategory('no_such_study')\""
        " names nothing in the report",
    ]
    assert set(expected) <= set(problems)


def test_report_opens_on_the_summary_with_each_study_and_its_figure(
    browser, browser_report, report_problems
):
    """What a reader sees first: the results at a glance, each study's row,
    its headline figure loaded, and the top of the page within reach."""
    browser.get(browser_report.resolve().as_uri())
    heading = browser.find_element("css selector", "h1.title")
    assert heading.text == "Results at a glance"
    # Scrolled to the top, the heading is on screen (a centred pane that
    # overflows upwards would hide it).
    assert browser.execute_script(
        "return arguments[0].getBoundingClientRect().top >= 0", heading
    )
    rows = browser.execute_script(
        "return [...document.querySelectorAll('table')[0].rows].slice(1)"
        ".map(row => row.cells[0].innerText.split(' ')[0])"
    )
    assert sorted(rows) == sorted(TINY_CONFIG["studies"])
    widths = browser.execute_script(
        "return [...document.querySelectorAll('img[alt$=\"headline figure\"]')]"
        ".map(image => image.naturalWidth)"
    )
    assert len(widths) == len(TINY_CONFIG["studies"]) and min(widths) > 0
