import { expect, vi } from 'vitest';
import { env, exports } from 'cloudflare:workers';
import worker from '../../worker/index';
import type { Bindings } from '../../worker/bindings';

export const ORIGIN = 'http://worker.test';

/** A request through the real worker, as a client would send it. */
export function request(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, init));
}

/** The same worker, with some vars overridden. */
export function requestWithEnv(overrides: Partial<Bindings>, path: string, init?: RequestInit): Promise<Response> {
  return Promise.resolve(worker.fetch(new Request(`${ORIGIN}${path}`, init), { ...env, ...overrides }));
}

/** `init` for a JSON POST. */
export function json(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function classify(body: unknown): Promise<Response> {
  return request('/v1/classify', json(body));
}

/** The `{error}` of an error answer, after checking its shape and content type. */
export async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  return { status: response.status, ...body.error };
}

/** Silences the `console.error` logging of failures a test provokes, and returns what was logged. */
export function captureErrors() {
  const logged: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    logged.push(args.map(String).join(' '));
  });
  return { logged, restore: () => spy.mockRestore() };
}
