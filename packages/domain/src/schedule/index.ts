export * from './candidates';
export * from './conflicts';
export * from './milp';
export * from './split';
export * from './types';
export * from './stored';
