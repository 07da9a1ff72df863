/**
 * The only raw HTML the explainer's Markdown may hold: its own `<details>`/`<summary>` around
 * folded content, with nothing in the summary but escaped text and code spans.
 */
export const FOLD_HTML =
  /^(?:<details>\n<summary>(?:[^<>&]|&(?:amp|lt|gt|quot);|<code>(?:[^<>&]|&(?:amp|lt|gt|quot);)*<\/code>)*<\/summary>|<\/details>)$/;
