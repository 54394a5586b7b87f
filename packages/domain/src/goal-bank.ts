import type { Direction, Discipline, GoalDomain, MeasurementType } from './model';

// The goal bank: starting points a therapist adapts, by discipline and domain. Plain data, so a
// district could replace it without code. `[Student]` is replaced with the student's first name.

export interface GoalTemplate {
  id: string;
  discipline: Discipline;
  domain: GoalDomain;
  text: string;
  measurementType: MeasurementType;
  baseline: number;
  target: number;
  direction: Direction | null;
  rubricMax: number | null;
  /** Classroom routines where push-in practice makes sense (routine names). */
  routines: string[];
}

export const goalBank: readonly GoalTemplate[] = [
  {
    id: 'ot-arrival-routine',
    discipline: 'OT',
    domain: 'self_care',
    text: '[Student] will complete the morning arrival routine (unpack, hang up coat, hand in folder) with no more than a gestural prompt on 4 of 5 school days.',
    measurementType: 'prompt_level',
    baseline: 4,
    target: 1,
    direction: null,
    rubricMax: null,
    routines: ['arrival'],
  },
  {
    id: 'ot-lunch-containers',
    discipline: 'OT',
    domain: 'self_care',
    text: '[Student] will open lunch containers independently in 80% of opportunities during lunch.',
    measurementType: 'percent',
    baseline: 30,
    target: 80,
    direction: null,
    rubricMax: null,
    routines: ['lunch', 'snack'],
  },
  {
    id: 'ot-handwriting-legibility',
    discipline: 'OT',
    domain: 'handwriting',
    text: '[Student] will copy a sentence from the board with correct letter formation, sizing and spacing, scoring 3 of 4 on the handwriting rubric during writing time.',
    measurementType: 'rubric',
    baseline: 1,
    target: 3,
    direction: null,
    rubricMax: 4,
    routines: ['writing'],
  },
  {
    id: 'ot-scissors',
    discipline: 'OT',
    domain: 'fine_motor',
    text: '[Student] will cut along a curved line within ¼ inch in 80% of trials.',
    measurementType: 'percent',
    baseline: 25,
    target: 80,
    direction: null,
    rubricMax: null,
    routines: ['art', 'centers'],
  },
  {
    id: 'ot-sensory-breaks',
    discipline: 'OT',
    domain: 'sensory_regulation',
    text: '[Student] will request a sensory break using a break card instead of leaving the area, reducing unplanned exits to 1 or fewer per session.',
    measurementType: 'frequency',
    baseline: 5,
    target: 1,
    direction: 'down',
    rubricMax: null,
    routines: ['morning_meeting', 'math'],
  },
  {
    id: 'ot-task-initiation',
    discipline: 'OT',
    domain: 'executive_function',
    text: '[Student] will begin an independent work task within 60 seconds of the direction.',
    measurementType: 'duration',
    baseline: 240,
    target: 60,
    direction: 'down',
    rubricMax: null,
    routines: ['math', 'writing'],
  },
  {
    id: 'slp-artic-s',
    discipline: 'SLP',
    domain: 'articulation',
    text: '[Student] will produce /s/ correctly in all word positions in sentences with 80% accuracy.',
    measurementType: 'percent',
    baseline: 20,
    target: 80,
    direction: null,
    rubricMax: null,
    routines: ['reading', 'morning_meeting'],
  },
  {
    id: 'slp-expressive-sentences',
    discipline: 'SLP',
    domain: 'expressive_language',
    text: '[Student] will use complete sentences of 5 or more words to answer questions about a story in 80% of opportunities.',
    measurementType: 'percent',
    baseline: 30,
    target: 80,
    direction: null,
    rubricMax: null,
    routines: ['reading', 'morning_meeting'],
  },
  {
    id: 'slp-directions',
    discipline: 'SLP',
    domain: 'receptive_language',
    text: '[Student] will follow 2-step classroom directions with no more than a verbal prompt in 4 of 5 opportunities.',
    measurementType: 'prompt_level',
    baseline: 4,
    target: 2,
    direction: null,
    rubricMax: null,
    routines: ['arrival', 'dismissal'],
  },
  {
    id: 'slp-fluency-strategy',
    discipline: 'SLP',
    domain: 'fluency',
    text: '[Student] will use an easy-onset strategy during a 3-minute classroom conversation, scoring 3 of 4 on the fluency-strategy rubric.',
    measurementType: 'rubric',
    baseline: 1,
    target: 3,
    direction: null,
    rubricMax: 4,
    routines: ['morning_meeting'],
  },
  {
    id: 'slp-peer-initiations',
    discipline: 'SLP',
    domain: 'social_communication',
    text: '[Student] will start a conversation with a peer at least 3 times during recess or centers.',
    measurementType: 'frequency',
    baseline: 0,
    target: 3,
    direction: 'up',
    rubricMax: null,
    routines: ['recess', 'centers'],
  },
  {
    id: 'slp-participation',
    discipline: 'SLP',
    domain: 'classroom_participation',
    text: '[Student] will answer a question during whole-group instruction using a communication device or speech in 4 of 5 lessons.',
    measurementType: 'percent',
    baseline: 20,
    target: 80,
    direction: null,
    rubricMax: null,
    routines: ['morning_meeting', 'math'],
  },
  {
    id: 'pt-stairs',
    discipline: 'PT',
    domain: 'mobility',
    text: '[Student] will go up and down a flight of school stairs with alternating feet using the rail, with no more than a gestural prompt.',
    measurementType: 'prompt_level',
    baseline: 5,
    target: 1,
    direction: null,
    rubricMax: null,
    routines: ['arrival', 'dismissal'],
  },
  {
    id: 'pt-ball-skills',
    discipline: 'PT',
    domain: 'gross_motor',
    text: '[Student] will catch a playground ball thrown from 6 feet in 80% of trials during PE.',
    measurementType: 'percent',
    baseline: 20,
    target: 80,
    direction: null,
    rubricMax: null,
    routines: ['pe', 'recess'],
  },
  {
    id: 'pt-line-walking',
    discipline: 'PT',
    domain: 'mobility',
    text: '[Student] will keep pace with the class line between the classroom and the cafeteria, taking 90 seconds or less.',
    measurementType: 'duration',
    baseline: 180,
    target: 90,
    direction: 'down',
    rubricMax: null,
    routines: ['lunch', 'recess'],
  },
  {
    id: 'pt-floor-sitting',
    discipline: 'PT',
    domain: 'classroom_participation',
    text: '[Student] will sit on the carpet with an upright posture for 10 minutes of morning meeting.',
    measurementType: 'duration',
    baseline: 120,
    target: 600,
    direction: 'up',
    rubricMax: null,
    routines: ['morning_meeting'],
  },
];

/** Templates for a discipline (and a domain, when given), in bank order. */
export function goalTemplates(discipline?: Discipline, domain?: GoalDomain): GoalTemplate[] {
  return goalBank.filter(
    (t) => (!discipline || t.discipline === discipline) && (!domain || t.domain === domain),
  );
}

/** The template's text for a student: `[Student]` becomes the first name. */
export function fillTemplate(template: Pick<GoalTemplate, 'text'>, firstName: string): string {
  return template.text.replaceAll('[Student]', firstName || 'The student');
}
