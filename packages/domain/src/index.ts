export * from './dates';
export * from './inputs';
export * from './model';
export * from './progress';
export type * from './progress-types';
export type * from './views';
export * from './fidelity';
