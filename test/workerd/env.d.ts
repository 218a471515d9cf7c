import type { Bindings } from '../../worker/bindings';

declare global {
  namespace Cloudflare {
    // The bindings of wrangler.toml plus the test-only R2 bucket of vitest.config.ts.
    interface Env extends Bindings {}
    interface GlobalProps {
      mainModule: typeof import('../../worker/index');
    }
  }
}
