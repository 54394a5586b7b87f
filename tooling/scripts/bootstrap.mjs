#!/usr/bin/env node
// Lets a fresh machine with only Node 20 and npm run `npm start` / `npm test`:
// it finds (or fetches through npx) the pinned pnpm, installs the workspace, then runs the task.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const task = process.argv[2];
const tasks = {
  start: [
    ['turbo', 'run', 'build', '--filter=@carryover/server^...', '--output-logs=errors-only'],
    ['--filter', '@carryover/server', 'start'],
  ],
  test: [['turbo', 'run', 'test', '--concurrency=1', '--continue=never']],
};
if (!tasks[task]) {
  console.error(`usage: node tooling/scripts/bootstrap.mjs <${Object.keys(tasks).join('|')}>`);
  process.exit(2);
}

const rootPkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const pinned = rootPkg.packageManager.replace(/^pnpm@/, '');

function pnpmCommand() {
  try {
    const v = execFileSync('pnpm', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (v === pinned) return ['pnpm'];
  } catch {}
  return ['npx', '--yes', `pnpm@${pinned}`];
}

const env = {
  ...process.env,
  // better-sqlite3 compiles from source here; node-gyp must use the local Node headers.
  npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr',
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
};
const [cmd, ...prefix] = pnpmCommand();
const run = (args) => {
  const r = spawnSync(cmd, [...prefix, ...args], { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(['install', '--frozen-lockfile=' + (process.env.CI ? 'true' : 'false')]);
for (const step of tasks[task]) run(step);
