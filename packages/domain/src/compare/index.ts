export type {
  BootstrapResult,
  CompiledSums,
  Interval,
  Statistic,
} from './bootstrap';
export { ClusterSums, clusterBootstrap, keepCells, ratioDifference, ratioOf } from './bootstrap';
export * from './compare';
export * from './digest';
export {
  buildEpisodes,
  buildEpisodesFromColumns,
  type ComparisonColumns,
  comparisonColumns,
  DEFAULT_MIN_OBSERVATIONS,
  dayCache,
  gradeBand,
  settingCode,
} from './episodes';
export { GAS_SETTINGS, type GasSetting, gasBand, goalScores, settingGas } from './gas';
export { comparisonSummary, strataCsv, stratumWords } from './plain-words';
export { seededRandom } from './random';
export { groupedTheilSenSlope, nap, quantileSorted } from './stats';
export type * from './types';
