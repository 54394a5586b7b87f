import type { Direction, Discipline, GoalDomain, MeasurementType } from '@carryover/domain';

// The clinical content of the demo: goal wording, classroom schedules, note phrases.

export const DOMAIN_WEIGHTS: Record<Discipline, readonly (readonly [GoalDomain, number])[]> = {
  OT: [
    ['fine_motor', 20],
    ['handwriting', 20],
    ['self_care', 18],
    ['sensory_regulation', 14],
    ['classroom_participation', 14],
    ['executive_function', 14],
  ],
  SLP: [
    ['articulation', 30],
    ['expressive_language', 25],
    ['receptive_language', 18],
    ['fluency', 7],
    ['social_communication', 20],
  ],
  PT: [
    ['gross_motor', 45],
    ['mobility', 30],
    ['classroom_participation', 25],
  ],
};

/** Routines a goal of each domain is naturally worked on during. */
export const DOMAIN_ROUTINES: Record<GoalDomain, readonly string[]> = {
  self_care: ['arrival', 'lunch', 'dismissal', 'snack'],
  classroom_participation: ['morning_meeting', 'reading', 'math', 'centers'],
  fine_motor: ['writing', 'art', 'centers'],
  handwriting: ['writing'],
  sensory_regulation: ['arrival', 'morning_meeting', 'recess', 'pe'],
  executive_function: ['arrival', 'math', 'centers', 'dismissal'],
  articulation: ['morning_meeting', 'reading'],
  expressive_language: ['morning_meeting', 'reading', 'centers'],
  receptive_language: ['reading', 'math', 'morning_meeting'],
  fluency: ['morning_meeting', 'reading'],
  social_communication: ['lunch', 'recess', 'centers'],
  gross_motor: ['pe', 'recess'],
  mobility: ['arrival', 'lunch', 'dismissal', 'recess'],
};

export interface GoalTemplate {
  type: MeasurementType;
  /** `{F}` first name, `{B}` baseline, `{T}` target (prompt levels as words). */
  text: string;
  baseline: readonly [number, number];
  target: readonly [number, number];
  direction: Direction;
  rubricMax?: number;
  /** Overrides DOMAIN_ROUTINES when the wording names a routine. */
  routines?: readonly string[];
}

const pct = (text: string, b: [number, number], t: [number, number] = [80, 80]): GoalTemplate => ({
  type: 'percent',
  text,
  baseline: b,
  target: t,
  direction: 'up',
});
const prompt = (text: string, routines?: string[]): GoalTemplate => ({
  type: 'prompt_level',
  text,
  baseline: [4, 5],
  target: [0, 1],
  direction: 'down',
  routines,
});
const rubric = (text: string): GoalTemplate => ({
  type: 'rubric',
  text,
  baseline: [1, 1],
  target: [3, 4],
  direction: 'up',
  rubricMax: 4,
});

export const GOAL_TEMPLATES: Record<GoalDomain, readonly GoalTemplate[]> = {
  fine_motor: [
    pct(
      '{F} will use a functional grasp to manage classroom tools (pencil, scissors, glue stick) in {T}% of opportunities, from a baseline of {B}%.',
      [20, 40],
    ),
    rubric(
      '{F} will cut along a curved line within 1/4 inch, scoring {T} of 4 on the cutting rubric (baseline {B}).',
    ),
  ],
  handwriting: [
    rubric(
      '{F} will copy two sentences with correct letter formation, sizing and spacing, scoring {T} of 4 on the handwriting rubric (baseline {B}).',
    ),
    pct(
      '{F} will form letters legibly and on the line in {T}% of letters written during writing time, from a baseline of {B}%.',
      [30, 45],
    ),
  ],
  self_care: [
    prompt(
      '{F} will complete the arrival routine (unpack backpack, hang coat, turn in folder) with {T} support, from {B} support.',
      ['arrival'],
    ),
    prompt(
      '{F} will open lunch containers and manage lunch materials with {T} support, from {B} support.',
      ['lunch'],
    ),
    prompt(
      '{F} will pack up and put on outdoor clothing (zipper, fasteners) at dismissal with {T} support, from {B} support.',
      ['dismissal'],
    ),
  ],
  sensory_regulation: [
    {
      type: 'frequency',
      text: '{F} will use a self-selected regulation strategy so that dysregulation episodes during group work fall from {B} to {T} or fewer per session.',
      baseline: [5, 7],
      target: [1, 1],
      direction: 'down',
    },
    {
      type: 'duration',
      text: '{F} will return to a calm, ready-to-learn state within {T} seconds after a transition, from a baseline of {B} seconds.',
      baseline: [480, 720],
      target: [120, 120],
      direction: 'down',
    },
  ],
  classroom_participation: [
    {
      type: 'duration',
      text: '{F} will stay seated and engaged with the group activity for {T} consecutive seconds, from a baseline of {B} seconds.',
      baseline: [90, 180],
      target: [600, 600],
      direction: 'up',
    },
    {
      type: 'frequency',
      text: '{F} will raise a hand and contribute to whole-group discussion {T} times per lesson, from a baseline of {B}.',
      baseline: [0, 1],
      target: [4, 4],
      direction: 'up',
    },
    prompt(
      '{F} will move between floor, chair and standing during classroom activities with {T} support, from {B} support.',
    ),
  ],
  executive_function: [
    prompt(
      '{F} will follow a 3-step visual checklist to get materials ready for the next activity with {T} support, from {B} support.',
    ),
    pct(
      '{F} will begin independent work within one minute of the direction in {T}% of opportunities, from a baseline of {B}%.',
      [20, 35],
    ),
  ],
  articulation: [
    pct(
      '{F} will produce /r/ in all word positions at sentence level with {T}% accuracy, from a baseline of {B}%.',
      [15, 35],
      [80, 90],
    ),
    pct(
      '{F} will produce /s/ and /z/ without a frontal lisp in conversation with {T}% accuracy, from a baseline of {B}%.',
      [20, 40],
      [80, 90],
    ),
    pct(
      '{F} will produce /k/ and /g/ in initial and final position at word level with {T}% accuracy, from a baseline of {B}%.',
      [20, 40],
      [80, 90],
    ),
    pct(
      '{F} will produce /l/ blends in phrases with {T}% accuracy, from a baseline of {B}%.',
      [15, 35],
      [80, 90],
    ),
  ],
  expressive_language: [
    pct(
      '{F} will use complete sentences with correct verb tense to describe a picture or event in {T}% of opportunities, from a baseline of {B}%.',
      [20, 40],
    ),
    rubric(
      '{F} will retell a story including character, setting, problem and solution, scoring {T} of 4 on the narrative rubric (baseline {B}).',
    ),
  ],
  receptive_language: [
    pct(
      '{F} will follow 2-step classroom directions containing spatial and time concepts in {T}% of opportunities, from a baseline of {B}%.',
      [30, 50],
    ),
    pct(
      '{F} will answer who/what/where questions about a read-aloud in {T}% of opportunities, from a baseline of {B}%.',
      [25, 45],
    ),
  ],
  fluency: [
    pct(
      '{F} will use easy onset and pacing to speak fluently in {T}% of speaking turns, from a baseline of {B}%.',
      [40, 60],
      [90, 90],
    ),
    {
      type: 'frequency',
      text: '{F} will reduce stuttering-like disfluencies in a 5-minute speaking sample from {B} to {T} or fewer.',
      baseline: [8, 12],
      target: [2, 2],
      direction: 'down',
    },
  ],
  social_communication: [
    {
      type: 'frequency',
      text: '{F} will start an interaction with a peer (greeting, comment or question) {T} times during lunch or recess, from a baseline of {B}.',
      baseline: [0, 1],
      target: [4, 5],
      direction: 'up',
      routines: ['lunch', 'recess'],
    },
    rubric(
      '{F} will keep a conversation going for 3+ turns on a shared topic, scoring {T} of 4 on the conversation rubric (baseline {B}).',
    ),
  ],
  gross_motor: [
    {
      type: 'frequency',
      text: '{F} will jump forward with feet together {T} consecutive times during PE, from a baseline of {B}.',
      baseline: [2, 3],
      target: [10, 10],
      direction: 'up',
    },
    pct(
      '{F} will catch a playground ball thrown from 10 feet in {T}% of trials, from a baseline of {B}%.',
      [20, 40],
    ),
  ],
  mobility: [
    {
      type: 'duration',
      text: '{F} will walk from the classroom to the cafeteria, navigating the hallway safely, within {T} seconds (baseline {B} seconds).',
      baseline: [240, 300],
      target: [120, 120],
      direction: 'down',
      routines: ['lunch'],
    },
    prompt(
      '{F} will go up and down the stairs using the handrail with {T} support, from {B} support.',
      ['arrival', 'dismissal'],
    ),
  ],
};

export interface RoutineSpec {
  name: string;
  weekdays: readonly number[];
  start: string;
  end: string;
}

const ALL = [1, 2, 3, 4, 5] as const;
/** Specials rotate so each weekday has one; classrooms use one of three rotations. */
const SPECIALS: readonly (readonly [string, readonly number[]])[][] = [
  [
    ['art', [1, 4]],
    ['pe', [2, 5]],
    ['music', [3]],
  ],
  [
    ['art', [2, 5]],
    ['pe', [1, 3]],
    ['music', [4]],
  ],
  [
    ['art', [3]],
    ['pe', [1, 4]],
    ['music', [2, 5]],
  ],
];

/** A realistic elementary day: K–2 and 3–5 run different blocks so lunch and specials stagger. */
export function classroomRoutines(grade: string, rotation: number): RoutineSpec[] {
  const younger = grade === 'K' || grade === '1' || grade === '2';
  const specials = SPECIALS[rotation % SPECIALS.length]!;
  const specialAt = younger ? (['13:00', '13:45'] as const) : (['09:45', '10:30'] as const);
  const day: RoutineSpec[] = younger
    ? [
        { name: 'arrival', weekdays: ALL, start: '08:00', end: '08:20' },
        { name: 'morning_meeting', weekdays: ALL, start: '08:20', end: '08:45' },
        { name: 'reading', weekdays: ALL, start: '08:45', end: '09:45' },
        { name: 'writing', weekdays: ALL, start: '09:45', end: '10:25' },
        { name: 'recess', weekdays: ALL, start: '10:25', end: '10:45' },
        { name: 'math', weekdays: ALL, start: '10:45', end: '11:40' },
        { name: 'lunch', weekdays: ALL, start: '11:40', end: '12:10' },
        { name: 'centers', weekdays: ALL, start: '12:15', end: '13:00' },
        { name: 'dismissal', weekdays: ALL, start: '14:50', end: '15:05' },
      ]
    : [
        { name: 'arrival', weekdays: ALL, start: '08:00', end: '08:15' },
        { name: 'morning_meeting', weekdays: ALL, start: '08:15', end: '08:40' },
        { name: 'math', weekdays: ALL, start: '08:40', end: '09:40' },
        { name: 'reading', weekdays: ALL, start: '10:35', end: '11:35' },
        { name: 'writing', weekdays: ALL, start: '11:35', end: '12:15' },
        { name: 'lunch', weekdays: ALL, start: '12:15', end: '12:45' },
        { name: 'recess', weekdays: ALL, start: '12:45', end: '13:05' },
        { name: 'centers', weekdays: ALL, start: '13:10', end: '13:55' },
        { name: 'dismissal', weekdays: ALL, start: '14:50', end: '15:05' },
      ];
  for (const [name, weekdays] of specials)
    day.push({ name, weekdays, start: specialAt[0], end: specialAt[1] });
  if (grade === 'K') day.push({ name: 'snack', weekdays: ALL, start: '14:00', end: '14:15' });
  return day;
}

export const PROMPT_WORDS = [
  'independent',
  'gestural',
  'verbal',
  'visual',
  'model',
  'partial physical',
  'full physical',
] as const;

export const DELIVERED_NOTES: Record<string, readonly string[]> = {
  push_in: [
    'Worked alongside the class during {R}; modelled the strategy for the classroom team and faded prompts.',
    'Supported {F} within {R}; teacher practised the cue with {F} while I collected data.',
    'Co-led the {R} activity; {F} used the visual support with reduced prompting.',
  ],
  pull_out: [
    'Targeted practice in the therapy room with structured trials; {F} engaged well.',
    'Drill and practice with immediate feedback; introduced a self-monitoring checklist.',
    '{F} needed movement breaks but completed all planned trials.',
    'Small-group practice with turn-taking; reviewed home practice sheet.',
  ],
  consult: [
    'Consulted with the classroom teacher during {R}; reviewed data and adjusted supports.',
    'Observed {F} during {R} and coached the teacher on prompting hierarchy.',
  ],
};

export const MISSED_NOTES: Record<string, string> = {
  student_absent_excused: 'Student absent (excused).',
  student_absent_unexcused: 'Student absent (unexcused).',
  student_unavailable: 'Student unavailable: class assessment.',
  refused: 'Student declined to participate after two offers.',
  provider_absent: 'Provider absent; session to be made up.',
  school_closed: 'School closed (weather).',
  other: 'Session not held: fire drill.',
};

export const MODEL_CHANGE_REASONS = {
  pull_out_push_in:
    'Criterion reached in the therapy room but not carrying over to class; moving to push-in during {R} (agreed at touch-base).',
  push_in_pull_out:
    'Needs massed, distraction-free practice to acquire the skill; moving to pull-out until accuracy improves.',
  pull_out_split:
    'Keeping drill in the therapy room and adding push-in time during {R} to practise the skill in class.',
} as const;
