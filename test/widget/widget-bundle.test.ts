/**
 * The `/widget.js` the worker serves is the committed
 * `worker/widget/script.generated.ts`: it must be what esbuild makes of the
 * sources today, small, and free of the APIs that turn text into code.
 */
import { Script } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WIDGET_SCRIPT } from '../../worker/widget/script.generated';
import { buildWidgetScript } from '../../worker/scripts/build-widget';

describe('widget.js', () => {
  it('is up to date with worker/widget/ and shared/client/ (else run `npm run build:widget`)', async () => {
    expect(WIDGET_SCRIPT === (await buildWidgetScript()), 'worker/widget/script.generated.ts is stale: run `npm run build:widget`').toBe(true);
  });

  it('stays under 10 KB gzip', () => {
    expect(gzipSync(WIDGET_SCRIPT, { level: 9 }).length).toBeLessThan(10 * 1024);
  });

  it('is one classic script that parses and never turns text into HTML or code', () => {
    expect(() => new Script(WIDGET_SCRIPT, { filename: 'widget.js' })).not.toThrow();
    expect(WIDGET_SCRIPT).toMatch(/^"use strict";\(\(\)=>\{[\s\S]*\}\)\(\);\n$/);
    expect(WIDGET_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\("style"/);
  });
});
