import { WranglerDev } from '../test/support/wrangler-dev';
import { percentile } from './stats';

export interface EdgeResult {
  requests: number;
  classifyP50Ms: number;
  classifyP99Ms: number;
  healthzP50Ms: number;
  /** The model the worker serves (its id, from /healthz), not necessarily the tutorial model. */
  model: string;
}

async function timed(request: () => Promise<Response>): Promise<{ ms: number; response: Response; body: string }> {
  const started = performance.now();
  const response = await request();
  const body = await response.text();
  return { ms: performance.now() - started, response, body };
}

/**
 * Times the worker through a real `wrangler dev` over loopback: POST
 * /v1/classify with one review of `words` words, and GET /healthz, each
 * `requests` times in sequence after a warm-up.
 *
 * @throws Error when wrangler dev does not come up healthy or classify fails
 */
export async function benchEdge(review: string, requests: number): Promise<EdgeResult> {
  const dev = await WranglerDev.start(); // resolves once /healthz answers
  try {
    const { model } = (await (await fetch(`${dev.origin}/healthz`)).json()) as { model: string };
    const classify = () =>
      fetch(`${dev.origin}/v1/classify`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ text: review }),
      });
    const healthz = () => fetch(`${dev.origin}/healthz`);
    const sample = async (request: () => Promise<Response>, what: string) => {
      const times: number[] = [];
      for (let i = 0; i < requests + 10; i++) {
        const { ms, response, body } = await timed(request);
        if (!response.ok) throw new Error(`${what} answered ${response.status}: ${body.slice(0, 500)}`);
        if (i >= 10) times.push(ms); // the first 10 warm the isolate up
      }
      return times;
    };
    const classifyTimes = await sample(classify, 'POST /v1/classify');
    const healthzTimes = await sample(healthz, 'GET /healthz');
    return {
      requests,
      classifyP50Ms: percentile(classifyTimes, 0.5),
      classifyP99Ms: percentile(classifyTimes, 0.99),
      healthzP50Ms: percentile(healthzTimes, 0.5),
      model,
    };
  } finally {
    await dev.stop();
  }
}
