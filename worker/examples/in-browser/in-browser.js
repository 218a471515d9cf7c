import { loadClassifier } from './bilstm-edge/bilstm-edge.js';

const byId = (id) => document.getElementById(id);

try {
  const classifier = await loadClassifier();
  byId('model').textContent = `Model ${classifier.info.id} loaded: ${classifier.info.labels.join(', ')}.`;
  const run = () => {
    const text = byId('text').value;
    if (!/\S/.test(text)) return;
    const [result] = classifier.classify([text], { explain: true });
    byId('result').textContent = `${result.label}, ${(result.score * 100).toFixed(1)}%`;
    const strongest = [...result.tokens].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution)).slice(0, 3);
    byId('words').textContent = `Strongest words: ${strongest.map((t) => t.token).join(', ')}`;
  };
  byId('classify').addEventListener('click', run);
  byId('classify').disabled = false;
} catch (error) {
  byId('model').textContent = `The model could not be loaded: ${error.message}`;
}
