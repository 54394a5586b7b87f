// Worker threads do not inherit tsx's loader on Node 20: register it here, then load the
// TypeScript worker (see STACK-NOTES, "Server bundling").
import { register } from 'tsx/esm/api';

register();
await import('./outcomes-worker.ts');
