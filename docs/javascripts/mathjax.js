// MathJax 3 configuration. The renderer itself is served from the site (javascripts/vendor/,
// copied from the docs extra by docs/hooks/offline_math.py): no network is needed.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true
  },
  svg: {
    fontCache: "global"
  },
  options: {
    ignoreHtmlClass: ".*|",
    // the formulas themselves, and the page titles and headings Material repeats as plain
    // text in the header and the navigation (they keep the \( \) of the heading's math)
    processHtmlClass: "arithmatex|md-header__topic|md-nav__link|md-ellipsis"
  }
};
// Material's document$ emits on every page view (also with instant navigation); the first
// emission can precede MathJax's start-up, which typesets the page by itself.
// A browser tab cannot typeset: the title's formulas are shown as plain text.
const TITLE_TEX = [[/\^\{\\top\}/g, "ᵀ"], [/\\top\b/g, "ᵀ"], [/\\lambda\b/g, "λ"],
  [/\\sigma\b/g, "σ"], [/\\alpha\b/g, "α"], [/\\sum\b/g, "Σ"], [/\\le\b/g, "≤"],
  [/\\ge\b/g, "≥"], [/\\ne\b/g, "≠"], [/\\to\b/g, "→"], [/\\dots\b/g, "…"],
  [/\\\|/g, "‖"], [/\\[()]/g, ""], [/\{/g, "("], [/\}/g, ")"], [/\\/g, ""]];
document$.subscribe(() => {
  document.title = TITLE_TEX.reduce((t, [re, by]) => t.replace(re, by), document.title);
  if (window.MathJax.typesetPromise) {
    window.MathJax.typesetPromise();
  }
});
