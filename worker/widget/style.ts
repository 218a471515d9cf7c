/**
 * The widget's styles, adopted by each widget's shadow root as a
 * constructed stylesheet: the host page's CSP governs neither (no `<style>`
 * element, no `style` attribute), and host styles cannot leak in.
 */
const CSS = `:host{display:block;margin:.35em 0;color:inherit;font:inherit}
[hidden]{display:none!important}
.status{margin:0;font-weight:600}
.status.error{font-weight:400;color:#c33}
.bar{height:.4em;max-width:20em;margin:.3em 0;border-radius:.2em;background:#8884;overflow:hidden}
.fill{height:100%;width:0;background:#2a7;transition:width .2s}
.words{margin:.3em 0;line-height:1.8;white-space:pre-wrap;overflow-wrap:anywhere}
mark{color:inherit;border-radius:.2em}
.up1{background:#2a73}.up2{background:#2a76}.up3{background:#2a7a}
.down1{background:#d443}.down2{background:#d446}.down3{background:#d44a}
.drivers{margin:0;font-size:.9em;opacity:.8}
@media (prefers-reduced-motion:reduce){.fill{transition:none}}`;

let sheet: CSSStyleSheet | undefined;

/** One sheet shared by every widget on the page. */
export function widgetStyleSheet(): CSSStyleSheet {
  if (sheet === undefined) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}
