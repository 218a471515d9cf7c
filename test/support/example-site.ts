import { build } from 'esbuild';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBrowser } from '../../shared/browser/build';
import { StaticServer } from './static-server';

const ROOT = new URL('../../', import.meta.url).pathname;
const EXAMPLES_DIR = join(ROOT, 'worker/examples');
/** The worker URL the example pages name, as a site would before pointing them at its own. */
export const EXAMPLE_WORKER_URL = 'https://bilstm-edge.example.workers.dev';
/** Pages under this prefix are served without their CSP, so that only the code under test stands between a hostile text and its execution. */
export const NO_CSP_PREFIX = '/no-csp/';
const CSP_META = /<meta http-equiv="Content-Security-Policy"[^>]*>\n/;

/** The example site and what it was built into. */
export interface ExampleSite {
  server: StaticServer;
  /** `worker/examples/host-page/`: the widget and the client. */
  hostPageUrl: string;
  /** `worker/examples/in-browser/`: the static in-browser build. */
  inBrowserUrl: string;
  close(): Promise<void>;
}

/**
 * Serves `worker/examples/` from its own origin, as a site other than the
 * worker would: with the client bundled by esbuild from `bilstm-edge/client`
 * into `host-page/vendor/`, the in-browser build (`buildBrowser`) in
 * `in-browser/bilstm-edge/`, and the pages' worker URL pointed at `workerOrigin`.
 * Everything is also served under `/no-csp/` without the pages' CSP.
 *
 * @example
 * ```ts
 * const site = await startExampleSite({ workerOrigin: dev.origin });
 * await page.goto(site.hostPageUrl);
 * await site.close();
 * ```
 */
export async function startExampleSite(options: { workerOrigin: string }): Promise<ExampleSite> {
  const buildDir = await mkdtemp(join(tmpdir(), 'bilstm-edge-site-'));
  try {
    const vendorDir = join(buildDir, 'vendor');
    const browserDir = join(buildDir, 'bilstm-edge');
    await Promise.all([
      build({
        entryPoints: ['bilstm-edge/client'],
        absWorkingDir: ROOT,
        outfile: join(vendorDir, 'bilstm-edge-client.js'),
        bundle: true,
        format: 'esm',
        minify: true,
        logLevel: 'silent',
      }),
      buildBrowser({ outDir: browserDir }),
    ]);
    const mounts: Record<string, string> = {};
    for (const prefix of ['/', NO_CSP_PREFIX]) {
      mounts[prefix] = EXAMPLES_DIR;
      mounts[`${prefix}host-page/vendor/`] = vendorDir;
      mounts[`${prefix}in-browser/bilstm-edge/`] = browserDir;
    }
    const server = await StaticServer.start({
      mounts,
      rewrite: (text, path) => {
        const pointed = text.replaceAll(EXAMPLE_WORKER_URL, options.workerOrigin);
        return path.startsWith(NO_CSP_PREFIX) ? pointed.replace(CSP_META, '') : pointed;
      },
    });
    return {
      server,
      hostPageUrl: `${server.origin}/host-page/`,
      inBrowserUrl: `${server.origin}/in-browser/`,
      async close() {
        await server.close();
        await rm(buildDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(buildDir, { recursive: true, force: true });
    throw error;
  }
}
