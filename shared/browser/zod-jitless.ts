import { config } from 'zod';

// zod probes `new Function('')` to compile its parsers; pages whose CSP has
// no 'unsafe-eval', or that require Trusted Types, report that probe as a
// violation. Imported first, before any schema exists. The model's schemas
// run once per load, so their speed does not matter.
config({ jitless: true });
