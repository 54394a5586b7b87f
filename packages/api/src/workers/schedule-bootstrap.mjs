// Worker threads do not inherit tsx's loader on Node 20: register it here, then load the
// TypeScript worker (as bootstrap.mjs does for Outcomes).
import { register } from 'tsx/esm/api';

register();
await import('./schedule-worker.ts');
