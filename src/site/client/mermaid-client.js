// The fallback of a site built without a browser: draws every figure that still holds its
// Mermaid source, with the bundled `mermaid` (loaded before this script) and the site's
// settings (window.nfwalkMermaid, written above this code when the file is copied), and draws
// again when the reader switches between the light and the dark theme.
(() => {
  const settings = window.nfwalkMermaid;
  const figures = [...document.querySelectorAll('figure.nfw-mermaid-source')];
  const sources = figures.map((f) => f.querySelector('pre.mermaid')?.textContent ?? '');
  let drawn = 0;
  let queue = Promise.resolve();
  const draw = async () => {
    const dark = document.documentElement.dataset.theme === 'dark';
    const theme = dark ? settings.themes.dark : settings.themes.light;
    window.mermaid.initialize({ ...settings.config, theme });
    for (const [i, figure] of figures.entries()) {
      drawn += 1;
      try {
        const { svg } = await window.mermaid.render(
          `${figure.dataset.diagram}-${drawn}`,
          sources[i],
        );
        figure.innerHTML = svg;
        figure.classList.add('nfw-mermaid-drawn');
      } catch (error) {
        console.error('nfwalk: diagram not drawn', error);
      }
    }
  };
  const again = () => {
    queue = queue.then(draw);
  };
  again();
  new MutationObserver(again).observe(document.documentElement, {
    attributes: true,
    attributeFilter: ['data-theme'],
  });
})();
