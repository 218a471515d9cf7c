/**
 * A broken model in the worker answers 503 `model_unavailable`, naming the
 * cause, on every route that needs the model; never a prediction. Each way
 * of breaking an artifact (test/support/broken-artifacts.ts) is served both
 * as the bundled model and from R2. model-swap.test.ts covers missing R2
 * objects, an unbound bucket and recovery once the model is fixed.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../worker/app';
import { brokenArtifacts, type BrokenArtifact } from '../support/broken-artifacts';
import { captureErrors, errorOf, json, ORIGIN } from './helpers';
import { bundledModel, putModel } from './models';

const bucket = env.MODEL_BUCKET!;
let broken: BrokenArtifact[];

beforeAll(async () => {
  broken = await brokenArtifacts(bundledModel.modelJson, bundledModel.weights);
});

/** What `app` answers on each route that needs the model. */
async function answersOf(app: ReturnType<typeof createApp>, environment: typeof env) {
  const ask = (path: string, init?: RequestInit) => app.fetch(new Request(`${ORIGIN}${path}`, init), environment);
  return Promise.all([
    errorOf(await ask('/v1/classify', json({ texts: ['A wonderful film.', 'Awful.'] }))),
    errorOf(await ask('/v1/model')),
    errorOf(await ask('/healthz')),
  ]);
}

function expectUnavailable(errors: Awaited<ReturnType<typeof answersOf>>, artifact: BrokenArtifact, source: string) {
  for (const error of errors) {
    expect(error).toMatchObject({ status: 503, code: 'model_unavailable' });
    expect(error.message).toContain(`the model (${source}) is unavailable: `);
    if ('code' in artifact.failure) expect(error.message).toContain(`${artifact.failure.code}: `);
    else expect(error.message).toMatch(artifact.failure.mismatch);
  }
}

describe('a broken model in the worker', () => {
  it('answers 503 model_unavailable for every kind of broken artifact, bundled or from R2', async () => {
    expect(broken.length).toBeGreaterThanOrEqual(10);
    const errors = captureErrors();
    try {
      for (const [index, artifact] of broken.entries()) {
        const files = { modelJson: artifact.modelJson, weights: artifact.weights };
        const bundled = await answersOf(createApp({ bundledModel: files }), env);
        expectUnavailable(bundled, artifact, 'bundled');

        const key = `models/broken-${index}`;
        await putModel(bucket, key, files);
        const fromR2 = await answersOf(createApp({ bundledModel }), { ...env, MODEL_KEY: key });
        expectUnavailable(fromR2, artifact, `r2:${key}`);
      }
      // The cause of each failure is logged for the operator.
      expect(errors.logged.length).toBeGreaterThanOrEqual(broken.length * 2);
    } finally {
      errors.restore();
    }
  });

  it('answers 503 when the model.json in R2 is not JSON at all', async () => {
    const errors = captureErrors();
    try {
      await bucket.put('models/not-json/model.json', '{"format": "bilstm-edge", ');
      await bucket.put('models/not-json/weights.bin', new Uint8Array(bundledModel.weights as ArrayBuffer));
      const [classified] = await answersOf(createApp({ bundledModel }), { ...env, MODEL_KEY: 'models/not-json' });
      expect(classified).toMatchObject({ status: 503, code: 'model_unavailable' });
      expect(classified.message).toContain('models/not-json/model.json is not JSON');
    } finally {
      errors.restore();
    }
  });
});
