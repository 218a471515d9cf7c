// The site's own script: labels the reviews already on the page with one
// call of the client (bundled into vendor/ with
// `npx esbuild bilstm-edge/client --bundle --format=esm --outfile=vendor/bilstm-edge-client.js`).
import { BilstmEdgeError, classify } from './vendor/bilstm-edge-client.js';

const ENDPOINT = 'https://bilstm-edge.example.workers.dev';

const items = [...document.querySelectorAll('#reviews li')];
const status = document.getElementById('reviews-status');

try {
  const results = await classify(items.map((item) => item.textContent), { endpoint: ENDPOINT, timeoutMs: 5_000 });
  items.forEach((item, index) => {
    const verdict = document.createElement('span');
    verdict.className = 'verdict';
    verdict.textContent = ` (${results[index].label}, ${(results[index].score * 100).toFixed(0)}%)`;
    item.append(verdict);
  });
  status.textContent = `Classified by model ${results[0].model}.`;
} catch (error) {
  status.textContent = error instanceof BilstmEdgeError ? `${error.code}: ${error.message}` : String(error);
}
