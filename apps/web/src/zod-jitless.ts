import { z } from 'zod';

// zod 4 probes `new Function('')` to decide whether to compile parsers at run time; under the
// server's Content-Security-Policy (no 'unsafe-eval') that probe logs a CSP violation. Imported
// first in main.tsx so the setting is in place before any schema parses.
z.config({ jitless: true });
