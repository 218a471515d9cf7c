/**
 * In-browser mode: the classifier, the tfjs wasm backend and the model run
 * in the page, with no call to a worker. `npm run build:browser` bundles
 * this module into `dist/browser/bilstm-edge.js`, beside the two wasm
 * binaries (the tfjs backend and the fused BiLSTM kernel) and the model it
 * loads by default.
 */
import './zod-jitless';

export { loadClassifier, type LoadClassifierOptions } from './load-classifier';
export { recurrenceEngine, type RecurrenceEngine } from '../model/ops/recurrence-engine';
export { ModelMismatchError, type Classification, type ClassifyOptions, type Classifier, type LabelScore, type ModelInfo, type TokenContribution } from '../classifier';
export { ArtifactError } from '../artifact';
