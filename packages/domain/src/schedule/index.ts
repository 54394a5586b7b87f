export * from './candidates';
export * from './conflicts';
export * from './greedy';
export * from './milp';
export * from './split';
export * from './stored';
export * from './types';
