/** What the progress math reads of an observation: its goal, when and where, and its values. */
export const OBSERVATION_POINT_COLUMNS = [
  'goal_id',
  'observed_on',
  'setting',
  'model',
  'trials_correct',
  'trials_prompted',
  'trials_incorrect',
  'prompt_level',
  'count',
  'seconds',
  'rubric_score',
] as const;
