export * from './client';
export type * from './schema';
export { newId, nowIso } from './util';
export * from './queries/audit';
export * from './queries/auth';
export * from './queries/caseload';
export * from './queries/maintenance';
export * from './queries/scope';
export * from './queries/student';
