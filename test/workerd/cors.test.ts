import { describe, expect, it } from 'vitest';
import { request, requestWithEnv } from './helpers';

const preflight = (origin: string) => ({
  method: 'OPTIONS',
  headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
});

describe('CORS', () => {
  it('answers a preflight for the API from any origin by default', async () => {
    const response = await request('/v1/classify', preflight('https://shop.example'));
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')?.split(',')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toBe('content-type');
    expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  it('lets any origin read error answers too, so browsers can show them', async () => {
    const response = await request('/v1/classify', { method: 'POST', headers: { Origin: 'https://shop.example' } });
    expect(response.status).toBe(415);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('allows only the origins listed in CORS_ORIGINS', async () => {
    const origins = { CORS_ORIGINS: 'https://shop.example, https://blog.example' };
    const allowed = await requestWithEnv(origins, '/v1/classify', preflight('https://blog.example'));
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://blog.example');
    expect(allowed.headers.get('vary')).toMatch(/origin/i);

    const refused = await requestWithEnv(origins, '/v1/classify', preflight('https://evil.example'));
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    const simple = await requestWithEnv(origins, '/openapi.json', { headers: { Origin: 'https://shop.example' } });
    expect(simple.status).toBe(200);
    expect(simple.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });
});
