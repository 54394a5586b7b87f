export * from './client';
export type * from './schema';
export { newId, nowIso } from './util';
