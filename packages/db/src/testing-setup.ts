import { prepareTestTemplates } from './testing';

// Vitest global setup for the packages whose tests open databases (see their
// vitest.config.ts): migrates the template databases once per run; the teardown drops them.
export default function setup(): Promise<() => Promise<void>> {
  return prepareTestTemplates();
}
