/**
 * The demo page's script, served as `/demo.js` (the CSP allows only
 * same-origin scripts). Everything from the user or the API enters the page
 * through `textContent` or CSSOM properties, never `innerHTML`.
 */
export const DEMO_SCRIPT = `'use strict';
(() => {
  const byId = (id) => document.getElementById(id);
  const percent = (score) => (score * 100).toFixed(1) + '%';

  // An answer that is not JSON comes from in front of the worker, e.g. Cloudflare's error page
  // when a request runs out of CPU time.
  async function call(path, init) {
    const response = await fetch(path, init);
    const text = await response.text();
    let body = null;
    try {
      body = JSON.parse(text);
    } catch {}
    if (response.ok && body !== null) return body;
    throw new Error(body && body.error ? body.error.code + ': ' + body.error.message : 'HTTP ' + response.status + ', not an answer from the API');
  }

  function showError(error) {
    byId('error').textContent = String(error.message || error);
    byId('error').hidden = false;
  }

  function renderTokens(text, tokens) {
    const container = byId('tokens');
    container.replaceChildren();
    const strongest = Math.max(1e-9, ...tokens.map((t) => Math.abs(t.contribution)));
    let cursor = 0;
    for (const token of tokens) {
      if (token.start > cursor) container.append(text.slice(cursor, token.start));
      const mark = document.createElement('mark');
      mark.textContent = text.slice(token.start, token.end);
      const strength = Math.abs(token.contribution) / strongest;
      const hue = token.contribution >= 0 ? '140, 60%, 45%' : '0, 70%, 55%';
      mark.style.backgroundColor = 'hsla(' + hue + ', ' + (0.1 + 0.6 * strength).toFixed(2) + ')';
      mark.title = token.token + ': ' + (token.contribution >= 0 ? '+' : '') + token.contribution.toFixed(3);
      container.append(mark);
      cursor = token.end;
    }
    container.append(text.slice(cursor));
  }

  function render(text, result) {
    byId('label').textContent = result.label;
    byId('legend-label').textContent = result.label;
    byId('score').textContent = percent(result.score);
    byId('bar-fill').style.width = percent(result.score);
    byId('scores').replaceChildren(
      ...result.scores.map((s) => {
        const item = document.createElement('li');
        item.textContent = s.label + ': ' + percent(s.score);
        return item;
      }),
    );
    renderTokens(text, []);
    byId('result').hidden = false;
  }

  const classifyRequest = (body) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  // Only the latest submission's answers are shown.
  let latest = 0;

  // The label first, then the words, by gradient (~4 passes whatever the length; occlusion's pass
  // per token is more CPU than Workers' free plan gives a long text): the label must not wait for
  // the explanation or fail with it.
  async function classify(event) {
    event.preventDefault();
    byId('error').hidden = true;
    const text = byId('text').value;
    const turn = ++latest;
    try {
      const result = (await call('/v1/classify', classifyRequest({ text }))).results[0];
      if (turn === latest) render(text, result);
    } catch (error) {
      if (turn === latest) showError(error);
      return;
    }
    try {
      const explained = (await call('/v1/classify', classifyRequest({ text, explain: 'gradient' }))).results[0];
      if (turn === latest) renderTokens(text, explained.tokens);
    } catch (error) {
      if (turn === latest) showError(new Error('word highlights unavailable: ' + (error.message || error)));
    }
  }

  async function describeModel() {
    try {
      const model = await call('/v1/model');
      byId('model').textContent =
        'Model ' + model.id + ': labels ' + model.labels.join(', ') + ', ' + model.vocabulary_size + ' words, ' +
        model.sequence_length + ' tokens at most, ' + model.quantization + ' weights.';
    } catch (error) {
      showError(error);
    }
  }

  byId('form').addEventListener('submit', classify);
  describeModel();
})();
`;
