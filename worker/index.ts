// A namespace import, here and in every file the worker bundles, lets esbuild
// drop what of zod we do not use (its locales, its JSON Schema reader: 63 KiB
// of the gzip bundle); one `import { z } from 'zod'` anywhere brings it back.
import * as z from 'zod';
import { createApp } from './app';
import modelJson from './model/default/model.json';
import weights from './model/default/weights.bin';

// zod compiles object parsers with the Function constructor unless told not
// to. workerd forbids run-time code generation, and zod's own probe for it
// happens to skip workerd by its user agent; saying so here does not depend
// on that (test/security/worker-bundle.test.ts).
z.config({ jitless: true });

/** The worker: the app serving the model bundled from `worker/model/default/`. */
export default createApp({ bundledModel: { modelJson, weights } });
