export * from './model';
export type * from './progress-types';
export type * from './views';
