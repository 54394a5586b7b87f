#!/usr/bin/env node
// Lets a fresh machine with only Node 20 and npm run `npm start` / `npm test`: it finds (or
// fetches through npx) the pinned pnpm, installs the workspace, then runs the task via turbo.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const task = process.argv[2];
// Each task is lanes that run side by side, each running its steps in turn. `start` stops at a
// failed step (no serving an unbuilt app); `test` runs every step, so one run reports everything.
const SERVER = '@carryover/server';
const tasks = {
  start: [
    [
      ['turbo', 'run', 'build', `--filter=${SERVER}^...`, '--output-logs=errors-only'],
      ['--filter', SERVER, 'start'],
    ],
  ],
  // The server's suite takes about ten minutes, longer than every other task together: it gets a
  // lane of its own from the start (after building the web app it serves), and the typechecks and
  // the other suites take turns in the other lane. In one turbo run of two at a time, turbo
  // started it last, about three minutes in (a fresh-clone CI run).
  test: [
    [['turbo', 'run', 'test', `--filter=${SERVER}`, '--output-logs=new-only']],
    [
      [
        'turbo',
        'run',
        'typecheck',
        'test',
        `--filter=!${SERVER}`,
        '--concurrency=1',
        '--continue',
        '--output-logs=new-only',
      ],
      ['turbo', 'run', 'typecheck', `--filter=${SERVER}`, '--output-logs=new-only'],
    ],
  ],
};
if (!tasks[task]) {
  console.error(`usage: node tooling/scripts/bootstrap.mjs <${Object.keys(tasks).join('|')}>`);
  process.exit(2);
}

const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pinned = rootPkg.packageManager.replace(/^pnpm@/, '');

function pnpmCommand() {
  try {
    const version = execFileSync('pnpm', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (version === pinned) return ['pnpm'];
  } catch {}
  return ['npx', '--yes', `pnpm@${pinned}`];
}

const env = {
  ...process.env,
  // The server runs inside apps/server; keep the default database where the README says it is.
  DATABASE_URL: process.env.DATABASE_URL ?? join(root, 'data/carryover.sqlite'),
  // better-sqlite3 compiles from source here; node-gyp must use the local Node headers.
  npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr',
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
};
// A faked clock (CARRYOVER_NOW) is anchored once here, so every package's tests and every
// server they start agree on what "now" is.
if (process.env.CARRYOVER_NOW && !process.env.CARRYOVER_CLOCK_ANCHOR) {
  env.CARRYOVER_CLOCK_ANCHOR = String(Date.now());
}
const [cmd, ...prefix] = pnpmCommand();
const run = (args) =>
  spawnSync(cmd, [...prefix, ...args], { stdio: 'inherit', env, cwd: root }).status ?? 1;

const installStatus = run(['install', process.env.CI ? '--frozen-lockfile' : '--prefer-offline']);
if (installStatus !== 0) process.exit(installStatus);

const workspaces = [
  'apps/server',
  'apps/web',
  'packages/api',
  'packages/db',
  'packages/domain',
  'packages/ui',
];
const reportOf = (dir) => join(root, dir, 'node_modules/.cache/vitest-report.json');
const overBudgetOf = (dir) => join(root, dir, 'node_modules/.cache/vitest-over-budget.json');
if (task === 'test')
  for (const dir of workspaces) {
    rmSync(reportOf(dir), { force: true });
    rmSync(overBudgetOf(dir), { force: true });
  }

const runAsync = (args) =>
  new Promise((resolve) => {
    const child = spawn(cmd, [...prefix, ...args], { stdio: 'inherit', env, cwd: root });
    child.on('exit', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
const runLane = async (steps) => {
  let laneStatus = 0;
  for (const step of steps) {
    const stepStatus = await runAsync(step);
    if (stepStatus === 0) continue;
    laneStatus ||= stepStatus;
    if (task !== 'test') break;
  }
  return laneStatus;
};
const statuses = await Promise.all(tasks[task].map(runLane));
let status = statuses.find((s) => s !== 0) ?? 0;

if (task === 'test') {
  // One total across every package's vitest run, so the end of the log says what happened.
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const dir of workspaces) {
    if (!existsSync(reportOf(dir))) continue;
    const report = JSON.parse(readFileSync(reportOf(dir), 'utf8'));
    total.passed += report.numPassedTests;
    total.failed += report.numFailedTests;
    total.skipped += report.numPendingTests + report.numTodoTests;
  }
  const overBudget = workspaces.flatMap((dir) =>
    existsSync(overBudgetOf(dir))
      ? JSON.parse(readFileSync(overBudgetOf(dir), 'utf8')).map((t) => ({ ...t, dir }))
      : [],
  );
  if (overBudget.length > 0) {
    console.log(`\n⚠  ${overBudget.length} test(s) ran past half their timeout:`);
    for (const t of overBudget)
      console.log(`   ${t.dir}/${t.file} › ${t.name}: ${t.ms} of ${t.timeout} ms`);
  }
  const zone = process.env.TZ || Intl.DateTimeFormat().resolvedOptions().timeZone;
  console.log(
    process.env.CARRYOVER_NOW
      ? `\nClock: faked, CARRYOVER_NOW=${process.env.CARRYOVER_NOW} TZ=${zone}`
      : `\nClock: system time, TZ=${zone}`,
  );
  console.log(`\nTests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  if (status === 0 && total.failed > 0) status = 1;
}
process.exit(status);
