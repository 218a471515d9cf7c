/**
 * No user input comes back as HTML. Hostile strings go through every route
 * the document lists (and an unknown one) in every place a client controls:
 * path, query, headers and body. An HTML answer must not contain them, and
 * every answer that echoes one (error messages name the path and fields)
 * is JSON under `nosniff`, which browsers never render as a page.
 */
import { describe, expect, it } from 'vitest';
import { documentedAnswer } from './answers';
import { ORIGIN, requestWithEnv } from './helpers';
import type { OpenApiDocument } from './openapi-schema';

const HOSTILE = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg/onload=alert(1)>",
  '</textarea><script>alert(1)</script>',
  '<iframe srcdoc="<script>alert(1)</script>">',
  'javascript:alert(1)',
  '{{constructor.constructor("alert(1)")()}}',
  '\u003cscript\u003e',
];

/** Every placement of `hostile` in a request to `path`, as `[path and query, init]`. */
function hostileRequests(path: string, hostile: string): Array<[string, RequestInit]> {
  const encoded = encodeURIComponent(hostile);
  const post = (contentType: string, body: string): RequestInit => ({ method: 'POST', headers: { 'Content-Type': contentType }, body });
  return [
    [`${path}/${encoded}`, {}],
    [`${path}?q=${encoded}&${encoded}=1`, { headers: { Accept: 'text/html' } }],
    [path, { headers: { Accept: `text/html, ${hostile}`, Referer: `https://example.com/${encoded}`, 'User-Agent': hostile } }],
    [path, { method: 'OPTIONS', headers: { Origin: `https://${encoded}.example`, 'Access-Control-Request-Method': 'POST' } }],
    [path, post(`text/html; x=${JSON.stringify(hostile)}`, hostile)],
    [path, post('application/json', hostile)],
    [path, post('application/json', JSON.stringify({ text: hostile, [hostile]: hostile }))],
    [path, post('application/json', JSON.stringify({ texts: [hostile], top_k: hostile }))],
    [path, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: hostile }) }],
  ];
}

describe('user input and HTML', () => {
  it('never comes back inside an HTML answer, from any route, method or place in the request', async () => {
    const document: OpenApiDocument = await (await requestWithEnv({}, '/openapi.json')).json();
    const paths = [...Object.keys(document.paths), '/no-such-page'];
    let htmlAnswers = 0;
    let echoed = 0;
    for (const path of paths) {
      for (const hostile of HOSTILE) {
        for (const [target, init] of hostileRequests(path, hostile)) {
          const request = new Request(`${ORIGIN}${target}`, init);
          const what = `${request.method} ${request.url}`;
          const answer = await documentedAnswer(document, request, await requestWithEnv({}, target, init));
          if (answer.mediaType === 'text/html') {
            htmlAnswers++;
            expect(answer.text, what).not.toContain(hostile);
            expect(answer.text, what).not.toMatch(/alert\(1\)/);
          }
          if (answer.text.includes(hostile)) {
            echoed++;
            expect(answer.mediaType, `${what} echoes the input`).toBe('application/json');
          }
        }
      }
    }
    // The demo page was among the answers, and some errors do echo input (as JSON).
    expect(htmlAnswers).toBeGreaterThan(0);
    expect(echoed).toBeGreaterThan(0);
  });
});
