import { z } from 'zod';
import { checkGoalMeasure, GoalFields } from './goals';
import {
  type Direction,
  type Discipline,
  type GoalDomain,
  Id,
  labels,
  type MeasurementType,
  routineNames,
} from './model';

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
  /** Where it comes from: the built-in bank, or added by the district's admin. */
  source?: 'built_in' | 'district';
  /** A district template's author, for the bank's list. */
  createdByName?: string | null;
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
  ...(
    [
      // A second and third starting point for every domain, so each domain offers a choice.
      [
        'ot-self-care-toileting',
        'OT',
        'self_care',
        '[Student] will complete the bathroom routine (clothing, flushing, handwashing) with no more than a verbal prompt on 4 of 5 opportunities.',
        'prompt_level',
        4,
        2,
        null,
        null,
        ['recess', 'lunch'],
      ],
      [
        'ot-handwriting-copy-speed',
        'OT',
        'handwriting',
        '[Student] will copy a 10-word sentence legibly within 3 minutes during writing time.',
        'duration',
        360,
        180,
        'down',
        null,
        ['writing'],
      ],
      [
        'ot-handwriting-name',
        'OT',
        'handwriting',
        '[Student] will write their first and last name with correct letter formation in 4 of 5 trials.',
        'percent',
        20,
        80,
        null,
        null,
        ['writing', 'arrival'],
      ],
      [
        'ot-fine-motor-fasteners',
        'OT',
        'fine_motor',
        '[Student] will manage buttons, zips and snaps on their own clothing in 80% of opportunities.',
        'percent',
        30,
        80,
        null,
        null,
        ['arrival', 'dismissal', 'recess'],
      ],
      [
        'ot-fine-motor-grasp',
        'OT',
        'fine_motor',
        '[Student] will use a functional tripod grasp on a pencil, scoring 3 of 4 on the grasp rubric across a writing task.',
        'rubric',
        1,
        3,
        null,
        4,
        ['writing', 'art'],
      ],
      [
        'ot-sensory-transitions',
        'OT',
        'sensory_regulation',
        '[Student] will use a chosen calming strategy to move between activities with no more than a gestural prompt.',
        'prompt_level',
        4,
        1,
        null,
        null,
        ['recess', 'lunch', 'dismissal'],
      ],
      [
        'ot-sensory-seated-work',
        'OT',
        'sensory_regulation',
        '[Student] will stay seated and engaged during independent work for 10 minutes using sensory supports.',
        'duration',
        180,
        600,
        'up',
        null,
        ['math', 'writing'],
      ],
      [
        'ot-exec-materials',
        'OT',
        'executive_function',
        '[Student] will gather the materials for a task using a visual checklist in 4 of 5 opportunities.',
        'percent',
        20,
        80,
        null,
        null,
        ['math', 'writing', 'centers'],
      ],
      [
        'slp-exec-planning',
        'SLP',
        'executive_function',
        '[Student] will state the steps of a task before starting it, scoring 3 of 4 on the planning rubric.',
        'rubric',
        1,
        3,
        null,
        4,
        ['math', 'centers'],
      ],
      [
        'slp-artic-r',
        'SLP',
        'articulation',
        '[Student] will produce /r/ correctly in words and phrases with 80% accuracy.',
        'percent',
        15,
        80,
        null,
        null,
        ['reading', 'morning_meeting'],
      ],
      [
        'slp-artic-intelligibility',
        'SLP',
        'articulation',
        '[Student] will be understood by an unfamiliar listener when sharing news, scoring 3 of 4 on the intelligibility rubric.',
        'rubric',
        1,
        3,
        null,
        4,
        ['morning_meeting'],
      ],
      [
        'slp-expressive-retell',
        'SLP',
        'expressive_language',
        '[Student] will retell a short story with a beginning, middle and end, scoring 3 of 4 on the narrative rubric.',
        'rubric',
        1,
        3,
        null,
        4,
        ['reading'],
      ],
      [
        'slp-expressive-requests',
        'SLP',
        'expressive_language',
        '[Student] will request help or materials using a complete sentence at least 4 times a session.',
        'frequency',
        1,
        4,
        'up',
        null,
        ['centers', 'art', 'snack'],
      ],
      [
        'slp-receptive-vocabulary',
        'SLP',
        'receptive_language',
        '[Student] will identify curriculum vocabulary from a field of 4 pictures with 80% accuracy.',
        'percent',
        35,
        80,
        null,
        null,
        ['reading', 'math'],
      ],
      [
        'slp-receptive-questions',
        'SLP',
        'receptive_language',
        '[Student] will answer who, what and where questions about a read-aloud with 80% accuracy.',
        'percent',
        30,
        80,
        null,
        null,
        ['reading', 'morning_meeting'],
      ],
      [
        'slp-fluency-disfluencies',
        'SLP',
        'fluency',
        '[Student] will reduce stuttered words in a 2-minute classroom conversation to 3 or fewer.',
        'frequency',
        10,
        3,
        'down',
        null,
        ['morning_meeting', 'centers'],
      ],
      [
        'slp-fluency-reading-aloud',
        'SLP',
        'fluency',
        '[Student] will read a passage aloud to the class using a fluency strategy in 80% of sentences.',
        'percent',
        30,
        80,
        null,
        null,
        ['reading'],
      ],
      [
        'slp-social-turns',
        'SLP',
        'social_communication',
        '[Student] will keep a conversation going for 3 or more turns with a peer in 4 of 5 opportunities.',
        'percent',
        20,
        80,
        null,
        null,
        ['lunch', 'recess'],
      ],
      [
        'slp-social-feelings',
        'SLP',
        'social_communication',
        "[Student] will name their own or a peer's feeling and a matching response, with no more than a verbal prompt.",
        'prompt_level',
        4,
        2,
        null,
        null,
        ['morning_meeting'],
      ],
      [
        'ot-participation-circle',
        'OT',
        'classroom_participation',
        '[Student] will take part in circle time activities (songs, turns, answers) for 15 minutes with sensory supports.',
        'duration',
        300,
        900,
        'up',
        null,
        ['morning_meeting', 'music'],
      ],
      [
        'pt-mobility-hallways',
        'PT',
        'mobility',
        '[Student] will move through crowded hallways with their mobility device without contact with peers or walls in 4 of 5 transitions.',
        'percent',
        40,
        80,
        null,
        null,
        ['arrival', 'lunch', 'dismissal'],
      ],
      [
        'pt-gross-motor-playground',
        'PT',
        'gross_motor',
        '[Student] will climb the playground ladder and slide independently, needing no more than a gestural prompt.',
        'prompt_level',
        5,
        1,
        null,
        null,
        ['recess'],
      ],
      [
        'pt-gross-motor-balance',
        'PT',
        'gross_motor',
        '[Student] will balance on one foot for 10 seconds on each side during PE warm-ups.',
        'duration',
        3,
        10,
        'up',
        null,
        ['pe'],
      ],
    ] as const
  ).map(
    ([
      id,
      discipline,
      domain,
      text,
      measurementType,
      baseline,
      target,
      direction,
      rubricMax,
      routines,
    ]) => ({
      id,
      discipline,
      domain,
      text,
      measurementType,
      baseline,
      target,
      direction,
      rubricMax,
      routines: [...routines],
    }),
  ),
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

const measurementWords: Record<MeasurementType, string> = {
  percent: 'percent correct trials',
  prompt_level: 'prompt level',
  frequency: 'count frequency',
  duration: 'duration seconds time',
  rubric: 'rubric score',
};

/**
 * Templates that match a search: every word of the query appears in the text, the domain, the
 * measure or the discipline (any case). Filters by discipline and domain when given.
 */
export function searchGoalTemplates<T extends GoalTemplate>(
  templates: readonly T[],
  filter: { query?: string; discipline?: Discipline; domain?: GoalDomain } = {},
): T[] {
  const words = (filter.query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  return templates.filter((t) => {
    if (filter.discipline && t.discipline !== filter.discipline) return false;
    if (filter.domain && t.domain !== filter.domain) return false;
    if (words.length === 0) return true;
    const haystack = [
      t.text,
      labels.domain[t.domain],
      measurementWords[t.measurementType],
      t.discipline,
      ...t.routines,
    ]
      .join(' ')
      .toLowerCase();
    return words.every((w) => haystack.includes(w));
  });
}

/** What an admin fills in to add a district template; the same checks as a goal's measure. */
export const GoalTemplateCreateInput = GoalFields.pick({
  discipline: true,
  domain: true,
  measurementType: true,
  baseline: true,
  target: true,
  direction: true,
  rubricMax: true,
})
  .extend({
    text: z
      .string()
      .trim()
      .min(20, 'Write the goal (at least 20 characters)')
      .max(1000, 'Keep the goal under 1000 characters')
      .refine((t) => t.includes('[Student]'), {
        message: "Write [Student] where the student's first name goes",
      }),
    routines: z
      .array(z.enum(routineNames, { error: 'Choose a routine from the list' }))
      .max(6, 'Choose at most 6 routines')
      .default([]),
  })
  .superRefine(checkGoalMeasure);
export type GoalTemplateCreateInput = z.input<typeof GoalTemplateCreateInput>;

export const GoalTemplateRemoveInput = z.object({ templateId: Id });
export type GoalTemplateRemoveInput = z.input<typeof GoalTemplateRemoveInput>;

export const GoalBankListInput = z
  .object({
    query: z.string().trim().max(100, 'Keep the search under 100 characters').optional(),
    discipline: GoalFields.shape.discipline.optional(),
    domain: GoalFields.shape.domain.optional(),
  })
  .optional();
export type GoalBankListInput = z.input<typeof GoalBankListInput>;
