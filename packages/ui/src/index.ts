export { AppShell, type AppShellProps, type AppShellUser } from './components/AppShell';
export { Button, type ButtonProps } from './components/Button';
export { type Column, DataTable, type DataTableProps, SortIcon } from './components/DataTable';
export {
  EstimateChart,
  type EstimateChartProps,
  type EstimateGroup,
  type EstimateRow,
  estimateDomain,
} from './components/EstimateChart';
export { Field, type FieldProps } from './components/Field';
export { MinutesBar, type MinutesBarProps, minutesRatio } from './components/MinutesBar';
export { PageHeader, type PageHeaderProps } from './components/PageHeader';
export {
  DurationTimer,
  type DurationTimerProps,
  type DurationValue,
  durationSeconds,
  formatDuration,
  SegmentedControl,
  type SegmentedControlProps,
  type SegmentedOption,
  Stepper,
  type StepperProps,
  TrialCounter,
  type TrialCounterProps,
  type TrialCounts,
  UnsentBanner,
  type UnsentBannerProps,
} from './components/QuickEntry';
export {
  EmptyState,
  type EmptyStateProps,
  ErrorState,
  type ErrorStateProps,
  LoadingState,
  type LoadingStateProps,
} from './components/States';
export { StatusBadge, type StatusBadgeProps } from './components/StatusBadge';
export { TableScroll, type TableScrollProps } from './components/TableScroll';
export {
  formatDate,
  formatInstantDate,
  formatInstantDateTime,
  formatRaw,
  formatScore,
  formatShortDate,
  formatSlope,
  instantDate,
  parseIsoDate,
  toIsoDate,
  weeksBetween,
} from './format';
export { GoalGraph, type GoalGraphProps } from './goal-graph/GoalGraph';
export { legendItems, settingColor } from './goal-graph/geometry';
export { compareSortValues, type SortDirection, type SortValue, sortRows } from './sort';
