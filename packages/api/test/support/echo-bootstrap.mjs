// The echo worker through tsx's loader: JobThread's fallback when no bundle can be built.
import { register } from 'tsx/esm/api';

register();
await import('./echo-worker.ts');
