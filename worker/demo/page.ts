/**
 * The demo page. Static: what the user types and what the API answers are
 * put in by `/demo.js` through `textContent`, never as HTML, and the CSP
 * allows no inline script.
 */
export const DEMO_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bilstm-edge: text classification at the edge</title>
<link rel="stylesheet" href="/demo.css">
<script src="/demo.js" defer></script>
</head>
<body>
<main>
<h1>bilstm-edge</h1>
<p id="model" class="muted">Loading the model…</p>
<form id="form">
<label for="text">Text to classify</label>
<textarea id="text" rows="6" required>One of the best films I have seen in years: moving, funny and beautifully acted.</textarea>
<button type="submit">Classify</button>
</form>
<p id="error" role="alert" hidden></p>
<section id="result" aria-live="polite" hidden>
<p class="verdict"><span id="label"></span> <span id="score"></span></p>
<div class="bar" aria-hidden="true"><div id="bar-fill"></div></div>
<ul id="scores"></ul>
<h2>Which words drove it</h2>
<p class="muted">Green pushed towards <span id="legend-label"></span>, red away from it, by gradient × input; hover a word for its effect on the score.</p>
<p id="tokens"></p>
</section>
<footer class="muted">API: <code>POST /v1/classify</code>, <code>GET /v1/model</code>. <a href="/openapi.json">OpenAPI document</a>.</footer>
</main>
</body>
</html>
`;
