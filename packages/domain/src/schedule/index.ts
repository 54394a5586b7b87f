export * from './candidates';
export * from './conflicts';
export * from './milp';
export * from './types';
