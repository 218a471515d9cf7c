import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../worker/app';
import type { Bindings } from '../../worker/bindings';
import { captureErrors, errorOf, json, ORIGIN, requestWithEnv } from './helpers';
import { anotherVersion, bundledModel, corrupted, putModel } from './models';

const bucket = env.MODEL_BUCKET!;

async function modelId(response: Response): Promise<string> {
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { id: string }).id;
}

describe('serving another model version from R2', () => {
  it('serves the model under MODEL_KEY instead of the bundled one, without a redeploy', async () => {
    const bundledId = await modelId(await requestWithEnv({}, '/v1/model'));
    const v2 = await anotherVersion();
    await putModel(bucket, 'models/v2', v2);
    const v2Id = (v2.modelJson as { weightsSha256: string }).weightsSha256.slice(0, 12);
    expect(v2Id).not.toBe(bundledId);

    expect(await modelId(await requestWithEnv({ MODEL_KEY: 'models/v2' }, '/v1/model'))).toBe(v2Id);
    const classified = await requestWithEnv({ MODEL_KEY: 'models/v2' }, '/v1/classify', json({ text: 'Loved it.' }));
    expect(((await classified.json()) as { model: string }).model).toBe(v2Id);
    // Unset again: the bundled model.
    expect(await modelId(await requestWithEnv({ MODEL_KEY: '' }, '/v1/model'))).toBe(bundledId);
  });

  it('loads once for concurrent first requests, and not again after', async () => {
    await putModel(bucket, 'models/concurrent', await anotherVersion());
    const gets: string[] = [];
    const countingBucket = new Proxy(bucket, {
      get(target, property) {
        if (property === 'get') return (key: string) => (gets.push(key), target.get(key));
        const value = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const app = createApp({ bundledModel });
    const environment: Bindings = { ...env, MODEL_BUCKET: countingBucket, MODEL_KEY: 'models/concurrent' };
    const ask = async () => app.fetch(new Request(`${ORIGIN}/v1/model`), environment);
    const ids = await Promise.all(Array.from({ length: 5 }, () => ask().then(modelId)));
    expect(new Set(ids).size).toBe(1);
    expect(gets.sort()).toEqual(['models/concurrent/model.json', 'models/concurrent/weights.bin']);
    await modelId(await ask());
    expect(gets).toHaveLength(2);
  });
});

describe('a bad model', () => {
  it('answers 503 model_unavailable, never predictions, when the bundled weights fail their sha256', async () => {
    const errors = captureErrors();
    try {
      const app = createApp({ bundledModel: { ...bundledModel, weights: corrupted(bundledModel.weights) } });
      const fetchApp = (path: string, init?: RequestInit) => app.fetch(new Request(`${ORIGIN}${path}`, init), env);
      for (const path of ['/v1/model', '/healthz']) {
        const error = await errorOf(await fetchApp(path));
        expect(error).toMatchObject({ status: 503, code: 'model_unavailable' });
        expect(error.message).toMatch(/^the model \(bundled\) is unavailable: sha256_mismatch: /);
      }
      const classified = await errorOf(await fetchApp('/v1/classify', json({ text: 'Loved it.' })));
      expect(classified).toMatchObject({ status: 503, code: 'model_unavailable' });
      // What needs no model still works.
      expect((await fetchApp('/openapi.json')).status).toBe(200);
      expect((await fetchApp('/')).status).toBe(200);
      expect(errors.logged.join('\n')).toMatch(/hashes to [0-9a-f]{64} but model.json expects/);
    } finally {
      errors.restore();
    }
  });

  it('answers 503 for truncated weights and for missing R2 objects, naming the cause', async () => {
    const errors = captureErrors();
    try {
      const truncated = createApp({ bundledModel: { ...bundledModel, weights: new Uint8Array(bundledModel.weights).slice(0, 100) } });
      const error = await errorOf(await truncated.fetch(new Request(`${ORIGIN}/v1/model`), env));
      expect(error).toMatchObject({ status: 503, code: 'model_unavailable' });
      expect(error.message).toContain('truncated_weights');

      const missing = await errorOf(await requestWithEnv({ MODEL_KEY: 'models/none' }, '/v1/model'));
      expect(missing).toMatchObject({ status: 503, code: 'model_unavailable' });
      expect(missing.message).toContain('models/none/model.json not found');

      const unbound = await errorOf(await requestWithEnv({ MODEL_KEY: 'models/v2', MODEL_BUCKET: undefined }, '/v1/model'));
      expect(unbound).toMatchObject({ status: 503, code: 'model_unavailable' });
      expect(unbound.message).toContain('no R2 bucket is bound as MODEL_BUCKET');
    } finally {
      errors.restore();
    }
  });

  it('is not remembered: once the bucket holds a good model, the next request serves it', async () => {
    const errors = captureErrors();
    try {
      const good = await anotherVersion();
      await putModel(bucket, 'models/fixed-later', { ...good, weights: corrupted(good.weights) });
      const app = createApp({ bundledModel });
      const ask = () => app.fetch(new Request(`${ORIGIN}/v1/model`), { ...env, MODEL_KEY: 'models/fixed-later' });
      expect(await errorOf(await ask())).toMatchObject({ status: 503, code: 'model_unavailable' });
      expect(await errorOf(await ask())).toMatchObject({ status: 503, code: 'model_unavailable' });
      await putModel(bucket, 'models/fixed-later', good);
      expect(await modelId(await ask())).toBe((good.modelJson as { weightsSha256: string }).weightsSha256.slice(0, 12));
    } finally {
      errors.restore();
    }
  });
});
