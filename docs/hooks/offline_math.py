"""MkDocs hook: serve MathJax from the installed ``django-static-mathjax`` wheel, not a CDN.

The docs extra installs MathJax 3 (a data-only wheel, despite its name it needs no Django). This
hook adds its single-file SVG build to the site as ``javascripts/vendor/mathjax/tex-svg-full.js``,
so the pages typeset offline, from ``file://`` and from ``mkdocs serve``. SVG output needs no
web fonts, and the "full" build carries every TeX extension, so nothing is loaded at run time.
"""

from __future__ import annotations

from importlib import resources

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

SITE_PATH = "javascripts/vendor/mathjax/tex-svg-full.js"


def _bundle() -> str:
    try:
        path = resources.files("mathjax").joinpath("static/mathjax/es5/tex-svg-full.js")
    except ModuleNotFoundError as exc:
        raise PluginError(
            "MathJax is not installed: install the docs extra (pip install -e '.[docs]')"
        ) from exc
    if not path.is_file():
        raise PluginError(f"MathJax bundle missing: {path} (reinstall django-static-mathjax)")
    return str(path)


def on_files(files, config):
    files.append(File.generated(config, SITE_PATH, abs_src_path=_bundle()))
    return files
