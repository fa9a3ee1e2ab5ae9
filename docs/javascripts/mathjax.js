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
    processHtmlClass: "arithmatex"
  }
};
// Material's document$ emits on every page view (also with instant navigation); the first
// emission can precede MathJax's start-up, which typesets the page by itself.
document$.subscribe(() => {
  if (window.MathJax.typesetPromise) {
    window.MathJax.typesetPromise();
  }
});
