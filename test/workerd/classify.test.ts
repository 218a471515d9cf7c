import { beforeAll, describe, expect, it } from 'vitest';
import { startWorkerdBackend } from '../../shared/backend/workerd';
import { Classifier } from '../../shared/classifier';
import { classify, request } from './helpers';
import { bundledModel } from './models';
import { answerValidator, type OpenApiDocument } from './openapi-schema';

const POSITIVE = 'A wonderful, moving film: the acting is superb and the story is beautiful.';
const NEGATIVE = 'A dull, tedious mess. The plot is stupid and the acting is awful.';

interface Result {
  label: string;
  score: number;
  scores: { label: string; score: number }[];
  tokens?: { token: string; start: number; end: number; contribution: number }[];
}
interface Answer {
  model: string;
  results: Result[];
}

async function answer(body: unknown): Promise<Answer> {
  const response = await classify(body);
  expect(response.status, await response.clone().text()).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return response.json();
}

let reference: Classifier;
let document: OpenApiDocument;

beforeAll(async () => {
  // The same model loaded directly, to check what the route makes of it.
  await startWorkerdBackend();
  reference = await Classifier.load(bundledModel.modelJson, bundledModel.weights);
  document = await (await request('/openapi.json')).json();
});

describe('POST /v1/classify', () => {
  it('answers one text with the model id, the best label and every label sorted by score', async () => {
    const { model, results } = await answer({ text: POSITIVE });
    expect(model).toBe(reference.info.id);
    expect(results).toHaveLength(1);
    const [result] = results;
    expect(result).toEqual(reference.classify([POSITIVE])[0]);
    expect(result.scores.map((s) => s.label).sort()).toEqual([...reference.info.labels].sort());
    expect(result.scores.map((s) => s.score)).toEqual(result.scores.map((s) => s.score).sort((a, b) => b - a));
    expect(result.label).toBe(result.scores[0].label);
    expect(result.score).toBe(result.scores[0].score);
    expect(result.scores.reduce((sum, s) => sum + s.score, 0)).toBeCloseTo(1, 5);
    expect(result).not.toHaveProperty('tokens');
  });

  it('tells a clearly positive review from a clearly negative one', async () => {
    const { results } = await answer({ texts: [POSITIVE, NEGATIVE] });
    expect(results.map((r) => r.label)).toEqual(['positive', 'negative']);
  });

  it('answers many texts in request order, each as it would be answered alone', async () => {
    const texts = [NEGATIVE, POSITIVE, 'It was fine.', NEGATIVE];
    const { results } = await answer({ texts });
    expect(results).toHaveLength(texts.length);
    for (const [index, text] of texts.entries()) {
      const alone = (await answer({ text })).results[0];
      expect(results[index].label).toBe(alone.label);
      expect(results[index].score).toBeCloseTo(alone.score, 5);
    }
  });

  it('keeps only the top_k best labels in scores', async () => {
    const full = (await answer({ text: NEGATIVE })).results[0];
    const top1 = (await answer({ text: NEGATIVE, top_k: 1 })).results[0];
    expect(top1.scores).toEqual(full.scores.slice(0, 1));
    expect(top1.label).toBe(full.label);
    const many = (await answer({ text: NEGATIVE, top_k: 50 })).results[0];
    expect(many.scores).toEqual(full.scores);
  });

  it('leaves labels below threshold out of scores but always names the best label', async () => {
    const full = (await answer({ text: POSITIVE })).results[0];
    const cut = (full.scores[0].score + full.scores[1].score) / 2;
    const thresholded = (await answer({ text: POSITIVE, threshold: cut })).results[0];
    expect(thresholded.scores).toEqual(full.scores.filter((s) => s.score >= cut));
    const none = (await answer({ text: POSITIVE, threshold: 1 })).results[0];
    expect(none.scores.every((s) => s.score >= 1)).toBe(true);
    expect(none.label).toBe(full.label);
    expect(none.score).toBe(full.score);
  });

  it('explains with every token, its offsets in the text as sent and its occlusion effect', async () => {
    const text = 'Honestly?  The ACTING was superb — I loved it 😀 café';
    const result = (await answer({ text, explain: true })).results[0];
    const tokens = result.tokens!;
    // Words lower-cased, ASCII punctuation dropped (as Keras' standardization does).
    const words = tokens.map((t) => t.token).filter((token) => /\p{L}/u.test(token));
    expect(words).toEqual(['honestly', 'the', 'acting', 'was', 'superb', 'i', 'loved', 'it', 'café']);
    for (const token of tokens) expect(text.slice(token.start, token.end).toLowerCase()).toBe(token.token);
    expect(tokens.map((t) => t.start)).toEqual([...tokens.map((t) => t.start)].sort((a, b) => a - b));

    // Occlusion, checked through the API: deleting a word from the text moves
    // the top label's score by the token's contribution.
    for (const token of tokens.filter((t) => ['acting', 'superb', 'loved'].includes(t.token))) {
      const without = text.slice(0, token.start) + text.slice(token.end);
      const scores = (await answer({ text: without })).results[0].scores;
      const occluded = scores.find((s) => s.label === result.label)!.score;
      expect(token.contribution).toBeCloseTo(result.score - occluded, 5);
    }
  });

  it("explains by gradient when asked: occlusion's tokens and strongest words, the classifier's numbers", async () => {
    const text = 'Not bad at all, I loved it!';
    const byGradient = (await answer({ text, explain: 'gradient' })).results[0];
    const byOcclusion = (await answer({ text, explain: 'occlusion' })).results[0];
    expect((await answer({ text, explain: true })).results[0]).toEqual(byOcclusion);
    expect(byGradient).toEqual(reference.classify([text], { explain: 'gradient' })[0]);
    expect(byGradient.tokens!.map(({ token, start, end }) => ({ token, start, end }))).toEqual(
      byOcclusion.tokens!.map(({ token, start, end }) => ({ token, start, end })),
    );
    expect(byGradient.score).toBeCloseTo(byOcclusion.score, 6);
    // The two words that moved the score most, found both ways, each pushing the same way both ways.
    const strongestTwo = (tokens: Result['tokens']) =>
      [...tokens!]
        .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
        .slice(0, 2)
        .map((t) => `${t.token} ${t.contribution > 0 ? 'for' : 'against'}`)
        .sort();
    expect(strongestTwo(byOcclusion.tokens)).toEqual(['bad against', 'loved for']);
    expect(strongestTwo(byGradient.tokens)).toEqual(['bad against', 'loved for']);
  });

  it('gives text without any word the model answer for no evidence, with no tokens', async () => {
    for (const explain of ['occlusion', 'gradient'] as const) {
      const result = (await answer({ text: '!!! ???', explain })).results[0];
      expect(result.tokens).toEqual([]);
      expect(result).toEqual(reference.classify(['!!! ???'], { explain })[0]);
    }
  });

  it('answers as the OpenAPI document says', async () => {
    for (const explain of [true, 'gradient']) {
      const response = await classify({ texts: [POSITIVE, NEGATIVE], explain, top_k: 1 });
      const body = await response.json();
      expect(answerValidator(document, 'POST', '/v1/classify', 200).parse(body)).toEqual(body);
    }
  });
});

describe('GET /v1/model and /healthz', () => {
  it('describes the served model', async () => {
    const response = await request('/v1/model');
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(answerValidator(document, 'GET', '/v1/model', 200).parse(body)).toEqual(body);
    const { info } = reference;
    expect(body).toEqual({
      id: info.id,
      labels: info.labels,
      config: info.config,
      vocabulary_size: info.vocabularySize,
      sequence_length: info.sequenceLength,
      truncate: info.truncate,
      quantization: info.quantization,
      training: info.training,
      created_at: info.createdAt,
    });
    expect(body.id).toMatch(/^[0-9a-f]{12}$/);
    // The bundled model reads the last tokens of a long review, where its verdict usually is.
    expect(body.truncate).toBe('start');
    expect((bundledModel.modelJson as { weightsSha256: string }).weightsSha256.startsWith(body.id as string)).toBe(true);
  });

  it('is healthy once the model is loaded, and answers HEAD', async () => {
    const response = await request('/healthz');
    const body = await response.json();
    expect(answerValidator(document, 'GET', '/healthz', 200).parse(body)).toEqual({
      status: 'ok',
      model: reference.info.id,
      tensors: expect.any(Number),
    });
    // At least the loaded model's weights are live.
    expect((body as { tensors: number }).tensors).toBeGreaterThan(0);
    const head = await request('/healthz', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
