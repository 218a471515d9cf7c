import { describe, expect, it } from 'vitest';
import { WIDGET_SCRIPT } from '../../worker/widget/script.generated';
import { request, requestWithEnv } from './helpers';

describe('GET /widget.js', () => {
  it('serves the built widget as cacheable JavaScript', async () => {
    const response = await request('/widget.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(await response.text()).toBe(WIDGET_SCRIPT);
    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    expect((await request('/widget.js', { headers: { 'If-None-Match': etag! } })).status).toBe(304);
  });

  it('is readable from every origin, even one CORS_ORIGINS does not allow to call the API', async () => {
    const env = { CORS_ORIGINS: 'https://allowed.example' };
    const init = { headers: { Origin: 'https://elsewhere.example' } };
    expect((await requestWithEnv(env, '/widget.js', init)).headers.get('access-control-allow-origin')).toBe('*');
    expect((await requestWithEnv(env, '/v1/model', init)).headers.get('access-control-allow-origin')).toBeNull();
  });
});
