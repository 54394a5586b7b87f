import type { ExpressionBuilder } from 'kysely';
import type { Database } from '../schema';

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

/**
 * Whether the observation was taken in a session during one of its goal's linked routines
 * (1/true) or not: such data count with the classroom's for mastery (`masteryMet`). Select it
 * beside `OBSERVATION_POINT_COLUMNS` from `observation` (unaliased); `pointOf` reads it.
 */
export function inLinkedRoutine(eb: ExpressionBuilder<Database, 'observation'>) {
  // Driven from the goal's few linked routines, with the session's routine read by its key:
  // an EXISTS over the session joined to the routines let Postgres plan a hashed subplan that
  // walks every session of the district.
  return eb
    .exists(
      eb
        .selectFrom('goal_routine as linked_goal_routine')
        .select(eb.lit(1).as('one'))
        .whereRef('linked_goal_routine.district_id', '=', 'observation.district_id')
        .whereRef('linked_goal_routine.goal_id', '=', 'observation.goal_id')
        .where(
          'linked_goal_routine.routine_id',
          '=',
          eb
            .selectFrom('therapy_session as linked_session')
            .select('linked_session.routine_id')
            .whereRef('linked_session.district_id', '=', 'observation.district_id')
            .whereRef('linked_session.id', '=', 'observation.session_id'),
        ),
    )
    .as('in_linked_routine');
}
