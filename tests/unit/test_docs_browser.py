"""The built site read as a reader reads it: headless Chromium, offline, from ``file://``.

Every derivation page, the theorems page and the experiments page must show typeset math: no TeX
delimiters or commands left in the visible text (code blocks excepted), no MathJax error marker,
every formula turned into MathJax output, every image loaded. Chromium and chromium-driver come
from Debian, selenium from the test extra (the README's test command installs them). A screenshot
of one derivation page is kept in ``build/test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "build" / "test-artifacts"
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PAGES = ["theorems", "experiments", "derivations"] + sorted(
    f"derivations/{p.stem}" for p in (ROOT / "docs" / "derivations").glob("*.md")
    if p.stem != "index"
)
SHOT = "derivations/nfa-linear-balanced"
# TeX source a reader must never see: delimiters, commands, braced scripts, display dollars
TEX = re.compile(r"\\[\[\]()]|\\[A-Za-z]+|[\^_]\{|\$\$")

# Runs in the page: wait for MathJax's first typeset, then report what a reader sees.
INSPECT = """
const done = arguments[arguments.length - 1];
const ready = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
const report = () => {
  const skip = "pre, code, script, style, noscript, mjx-assistive-mml";
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (!n.parentElement.closest(skip)) parts.push(n.nodeValue);
  }
  done({
    text: parts.join(" "),
    title: document.title,
    renderer: !!(window.MathJax && MathJax.version),
    formulas: document.querySelectorAll(".arithmatex").length,
    typeset: document.querySelectorAll("mjx-container").length,
    untypeset: Array.from(document.querySelectorAll(".arithmatex"))
      .filter(e => !e.querySelector("mjx-container")).length,
    errors: document.querySelectorAll("mjx-merror, [data-mjx-error], .katex-error").length,
    broken: Array.from(document.images)
      .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute("src")),
  });
};
ready.then(report, report);
"""


def problems(report: dict) -> list[str]:
    """What is wrong with one page as a reader sees it (empty when it is fine)."""
    out = []
    text = " ".join(report["text"].split())
    for m in list(TEX.finditer(text))[:5]:
        out.append(f"TeX source in the text: ...{text[max(0, m.start() - 40):m.end() + 20]}...")
    if TEX.search(report["title"]):
        out.append(f"TeX source in the title: {report['title']}")
    if not report["renderer"]:
        out.append("no math renderer loaded")
    if report["untypeset"]:
        out.append(f"{report['untypeset']} of {report['formulas']} formulas not typeset")
    if report["errors"]:
        out.append(f"{report['errors']} renderer error marker(s)")
    out += [f"image missing: {src}" for src in report["broken"]]
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", "docs/mkdocs.yml",
         "-d", str(out)], capture_output=True, text=True, env=env, cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    assert Path(CHROMIUM).exists() and Path(DRIVER).exists(), (
        "install Debian's chromium and chromium-driver (see the README's test command)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1280,1600",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def inspect(browser, site: Path, page: str) -> dict:
    browser.get((site / page / "index.html").as_uri())
    return browser.execute_async_script(INSPECT)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_page_shows_typeset_math(browser, site, page):
    report = inspect(browser, site, page)
    assert not problems(report), problems(report)
    if page != "derivations":
        assert report["typeset"] > 0, "no formula on the page"


@pytest.mark.slow
def test_screenshot_of_a_derivation_page(browser, site):
    inspect(browser, site, SHOT)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "derivation-nfa-linear-balanced.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def _copy(site: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    return copy


@pytest.mark.slow
def test_a_page_without_the_renderer_fails_the_check(browser, site, tmp_path):
    copy = _copy(site, tmp_path)
    (copy / "javascripts" / "vendor" / "mathjax" / "tex-svg-full.js").unlink()
    found = problems(inspect(browser, copy, SHOT))
    assert any("TeX source in the text" in p for p in found), found
    assert "no math renderer loaded" in found and any("not typeset" in p for p in found)


@pytest.mark.slow
def test_a_tex_error_and_a_missing_image_fail_the_check(browser, site, tmp_path):
    copy = _copy(site, tmp_path)
    page = copy / SHOT / "index.html"
    html = page.read_text(encoding="utf-8")
    bad = '<p><span class="arithmatex">\\(\\frac{1}\\)</span><img src="missing.png"></p>'
    page.write_text(html.replace("</article>", bad + "</article>", 1), encoding="utf-8")
    found = problems(inspect(browser, copy, SHOT))
    assert any("error marker" in p for p in found), found
    assert "image missing: missing.png" in found
