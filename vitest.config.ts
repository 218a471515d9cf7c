import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

/**
 * One tfjs-core, not several. Its package.json points `main` at a CommonJS
 * bundle and `module` at unbundled ES modules; only the latter register
 * gradients and chained ops. Left to itself, vitest loads our imports and the
 * wasm backend's from the bundle but the gradients, and tfjs-layers' own
 * bundled copy, from elsewhere: three copies of tfjs-core in one test. So,
 * as wrangler's esbuild and the workers pool already do, resolve every
 * tfjs package to its ES modules and let vite transform them (Node cannot
 * load them: they import extensionlessly).
 */
const TFJS_PACKAGES = /^@tensorflow\/(tfjs-core|tfjs-backend-wasm|tfjs-backend-cpu|tfjs-layers)$/;
const TFJS_ES_MODULES = /\/node_modules\/@tensorflow\/tfjs-[a-z-]+\/dist\//;

export default defineConfig({
  test: {
    projects: [
      {
        resolve: {
          alias: [{ find: TFJS_PACKAGES, replacement: '@tensorflow/$1/dist/index.js' }],
        },
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/workerd/**', 'node_modules/**'],
          environment: 'node',
          // Tests of what is freed when garbage is collected call gc().
          execArgv: ['--expose-gc'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          server: { deps: { inline: [TFJS_ES_MODULES] } },
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            // A local bucket for the model-swap tests; deployments bind one only if they want it.
            miniflare: { r2Buckets: ['MODEL_BUCKET'] },
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/workerd/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
