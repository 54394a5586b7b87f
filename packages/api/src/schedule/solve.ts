import {
  buildScheduleModel,
  type Caseload,
  readScheduleSolution,
  type ScheduleProposal,
  splitCaseload,
} from '@carryover/domain';
import highsLoader, { type Highs } from 'highs';

// The auto-scheduler's solve: the pure model from @carryover/domain, solved by HiGHS
// (compiled to WebAssembly). Loading the WASM is I/O, so it lives here, loaded once.

let runtime: Promise<Highs> | null = null;

export function loadHighs(): Promise<Highs> {
  runtime ??= highsLoader();
  return runtime;
}

export interface SolveOptions {
  /** Stop when the incumbent is within this relative gap of the bound (default 1%). */
  relativeGap?: number;
  /** Seconds before HiGHS returns its best schedule so far (default 10). */
  timeLimit?: number;
}

export interface ScheduleSolve extends ScheduleProposal {
  status: string;
  /** HiGHS's relative MIP gap at the end (0 = proved optimal). */
  gap: number;
  objective: number;
  size: { variables: number; constraints: number };
}

/** Solves each independent part of the caseload (see `splitCaseload`) and joins them. */
export async function autoSchedule(
  caseload: Caseload,
  options: SolveOptions = {},
): Promise<ScheduleSolve> {
  const { parts, freeLunches } = splitCaseload(caseload);
  const solved: ScheduleSolve[] = [];
  for (const part of parts) solved.push(await solvePart(part, options));
  const order = new Map(caseload.services.map((s, i) => [s.id, i]));
  return {
    sessions: solved.flatMap((p) => p.sessions).sort((a, b) => a.day - b.day || a.start - b.start),
    lunches: [...solved.flatMap((p) => p.lunches), ...freeLunches].sort((a, b) => a.day - b.day),
    unplaced: solved
      .flatMap((p) => p.unplaced)
      .sort((a, b) => (order.get(a.serviceId) ?? 0) - (order.get(b.serviceId) ?? 0)),
    status: solved.find((p) => p.status !== 'optimal')?.status ?? 'optimal',
    gap: Math.max(0, ...solved.map((p) => p.gap)),
    objective: solved.reduce((sum, p) => sum + p.objective, 0),
    size: {
      variables: solved.reduce((sum, p) => sum + p.size.variables, 0),
      constraints: solved.reduce((sum, p) => sum + p.size.constraints, 0),
    },
  };
}

async function solvePart(caseload: Caseload, options: SolveOptions): Promise<ScheduleSolve> {
  const highs = await loadHighs();
  const model = buildScheduleModel(caseload);
  const codes = highs.constants.modelStatus;
  const found = highs.withModel({ format: 'lp', data: model.lp }, (m) => {
    m.options.set({
      output_flag: false,
      mip_rel_gap: options.relativeGap ?? 0.01,
      time_limit: options.timeLimit ?? 10,
    });
    m.run();
    const status = m.getModelStatus();
    const names = Object.keys(codes) as (keyof typeof codes)[];
    const statusWord = names.find((n) => codes[n] === status) ?? String(status);
    const values: Record<string, number> = {};
    const colValue = m.getSolution().colValue;
    for (let i = 0; i < colValue.length; i++) values[m.getColName(i)] = colValue[i] as number;
    const gap = Number(m.info.get('mip_gap'));
    const objective = Number(m.info.get('objective_function_value'));
    return { statusWord, values, gap, objective };
  });
  if (found.statusWord !== 'optimal' && Object.keys(found.values).length === 0) {
    throw new Error(`The scheduler found no schedule (${found.statusWord})`);
  }
  return {
    ...readScheduleSolution(caseload, model, found.values),
    status: found.statusWord,
    gap: Number.isFinite(found.gap) ? Math.max(0, found.gap) : 0,
    objective: found.objective,
    size: model.counts,
  };
}
