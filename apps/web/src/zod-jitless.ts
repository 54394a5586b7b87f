// zod 4 probes `new Function('')` to decide whether to compile parsers at run time; under the
// server's Content-Security-Policy (no 'unsafe-eval') the probe logs a CSP violation on every
// page load. This is zod's global config object (what `z.config({ jitless: true })` writes);
// setting it here, before any schema module is evaluated, skips the probe. The web app has no
// direct zod dependency, so it cannot call `z.config` itself.
const g = globalThis as { __zod_globalConfig?: Record<string, unknown> };
g.__zod_globalConfig = { ...g.__zod_globalConfig, jitless: true };
