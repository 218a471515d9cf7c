import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startWorkerdBackend } from '../../shared/backend/workerd';
import { Classifier } from '../../shared/classifier';
import { startWorkerdBilstmKernel } from '../../shared/kernels/bilstm/workerd';
import { TUTORIAL_MODEL } from '../../shared/model/config';
import { recurrenceEngine, setRecurrenceEngine } from '../../shared/model/ops/recurrence-engine';
import { compareModelEngines, compareRecurrenceEngines } from '../support/recurrence-engines';
import { bundledModel } from './models';

/**
 * The fused kernel inside workerd, instantiated from the module wrangler
 * bundles (workerd compiles no WebAssembly at run time), against the
 * core-op reference on the same backend.
 */

beforeAll(async () => {
  await startWorkerdBackend();
  await startWorkerdBilstmKernel();
});

describe('the bilstm kernel in workerd', () => {
  it('starts from the bundled module and becomes the engine', () => {
    expect(recurrenceEngine()).toBe('kernel');
  });

  it.each([
    { steps: 100, batch: 1, units: 64 },
    { steps: 20, batch: 32, units: 5, lengths: Array.from({ length: 32 }, (_, r) => (r * 7) % 21) },
    { steps: 1, batch: 3, units: 5, lengths: [1, 0, 1] },
  ])('matches the reference for T = $steps, B = $batch, H = $units', (testCase) => {
    const difference = compareRecurrenceEngines(testCase, 17);
    expect(difference.outputError).toBeLessThan(1e-5);
    expect(difference.projectedGradientError).toBeLessThan(1e-4);
    expect(difference.recurrentGradientError).toBeLessThan(1e-4);
  });

  it('gives the tutorial model the same logits and gradients on a padded batch', () => {
    const lengths = [100, 37, 1, 64];
    const ids = new Int32Array(lengths.length * 100);
    lengths.forEach((length, row) => ids.fill(7, row * 100, row * 100 + length));
    const tokens = tf.tensor2d(ids.map((id, i) => (id ? 1 + ((i * 31) % 999) : 0)), [lengths.length, 100], 'int32');
    const difference = compareModelEngines(
      { ...TUTORIAL_MODEL, input: { kind: 'tokens', vocabularySize: 1000, embeddingDim: 64, maskZero: true } },
      { tokens },
      3,
    );
    expect(difference.outputError).toBeLessThan(1e-5);
    expect(difference.gradientError).toBeLessThan(1e-4);
  });

  it('classifies with the bundled model as the reference does, within 1e-5', async () => {
    const classifier = await Classifier.load(bundledModel.modelJson, bundledModel.weights);
    const texts = [
      'A wonderful, moving film: the acting is superb and the story is beautiful.',
      'A dull, tedious mess. The plot is stupid and the acting is awful.',
      'Fine.',
    ];
    const scores = () => classifier.classify(texts).map((result) => result.scores.map((s) => s.score));
    setRecurrenceEngine('reference');
    const reference = scores();
    setRecurrenceEngine('kernel');
    const kernel = scores();
    kernel.flat().forEach((score, i) => expect(Math.abs(score - reference.flat()[i])).toBeLessThanOrEqual(1e-5));
    classifier.dispose();
  });
});
