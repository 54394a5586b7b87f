import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { hashPassword } from '@carryover/api/passwords';
import {
  anchorAuditTrail,
  type Connection,
  createDistrict,
  createStaffUser,
  DEFAULT_SQLITE_PATH,
  describeClock,
  findDistrictByName,
  hasAnyDistrict,
  migrateToLatest,
  openDatabase,
  refreshPlannerStatistics,
  resetDatabase,
  setAuditKey,
  systemClock,
} from '@carryover/db';
import { instantAt, SETUP_LINK_HOURS } from '@carryover/domain';
import { auditKeyPath, loadAuditKey, loadSsoKey, verifyAuditTrail } from './audit-key';
import { backup } from './backup';
// The API and the HTTP server load only in the processes that need them (a serving worker,
// `./worker`; `create-admin`): an import, an export or the primary runs without them, in about
// 35–55 MiB less memory. Passwords and logging come from light exports of `@carryover/api`.
import type { Listen } from './cluster';
import {
  accountsWithDemoPassword,
  DEMO_PASSWORD,
  demoPasswordRefusal,
  reachableBecause,
  seedsDemo,
} from './deployment';
import {
  exportOneRosterCommand,
  importOneRosterCommand,
  importServicesCommand,
} from './import-cli';
import { restore } from './restore';
import { schoolYearLastDay } from './school-year';

// The command line: `tsx src/main.ts <command>`. Heavy work (migrations, the demo seed) runs
// here, before the server listens, never inside a request.

const HELP = `Carryover server

Usage: tsx src/main.ts <command> [options]

Commands:
  start [--students N]    migrate, then serve in WEB_CONCURRENCY worker processes; on an
        [--full-year]     empty SQLite database served on loopback only (a demo on this
                          machine), first fill the demo district
  serve                   serve only (no migrations, never a seed)
  migrate                 apply pending migrations
  seed [--students N]     add the demo district (${DEMO_PASSWORD} is every demo password);
       [--force]          refuses when a district exists, unless --force
       [--full-year]      the demo as of the school year's last day (June 10, 18:00 in the
                          district's zone) instead of now: a whole year of data, for demos
                          and benchmarks; serve it with the CARRYOVER_NOW the seed prints
  reset --yes             drop every table and migrate again: ALL DATA IS LOST
  backup <file>           copy the database to a new file while it keeps serving
                          (SQLite: online backup API; Postgres: pg_dump custom format)
  restore <file>          restore a backup into DATABASE_URL, which must be a new file or an
                          empty Postgres database (Postgres: pg_restore), then migrate
  audit verify            check every district's audit chain and its HMAC anchor; exits 1
                          naming the first bad seq
  create-admin            add an admin (and the district, if new) with no password, and
    --email E             print a one-time setup link (valid ${SETUP_LINK_HOURS} h) where they set
    --district NAME       their own password and enrol two-step sign-in; run again for a
    [--name N]            fresh link. Nothing is seeded. --timezone: the new district's
    [--timezone Z]        zone (default America/Chicago)
  import oneroster PATH   read a OneRoster 1.2 CSV bundle (a zip or a folder) into the
    [--dry-run]           district (an empty database: the district org makes it); report
    [--district NAME]     per file what is added, updated, deactivated, unchanged, with
    [--errors FILE]       conflicts and every error (also as CSV, FILE); all or nothing;
                          --dry-run writes nothing. Exits 1 when anything was refused
  import services PATH    read IEP services.csv and goals.csv (a zip, a folder or one CSV;
    [--dry-run]           mapping.csv renames columns) into the district, the same way
  export oneroster DIR    write the district as OneRoster 1.2 CSV files, with routines.csv,
    [--district NAME]     services.csv and goals.csv, into DIR (or a zip, when DIR ends .zip);
                          importing it back (oneroster, then services) changes nothing
  --help                  this text

Environment:
  DATABASE_URL     a SQLite file path (default ${DEFAULT_SQLITE_PATH})
                   or a Postgres URL (postgres://user:password@host:5432/carryover)
  PORT             port to listen on (default 3000)
  HOST             address to listen on (default 127.0.0.1: this machine only). Any other
                   address, TRUST_PROXY or PUBLIC_URL is a deployment: it never gets the demo
                   district, and refuses to start while an account has the demo password
  WEB_CONCURRENCY  worker processes that serve (default: one per available core, here ${availableParallelism()});
                   each has its own database connection; a worker that dies is replaced
  TRUST_PROXY      the reverse proxies' addresses or CIDR ranges (10.0.0.0/8,::1), whose
                   X-Forwarded-Proto and X-Forwarded-For are believed; 1 = any peer
  PUBLIC_URL       the address users open (https://carryover.example.org), for setup links;
                   requests naming another Host are refused (400)
  AUDIT_HMAC_KEY   the audit anchor's key (32+ characters); otherwise the key file
                   AUDIT_HMAC_KEY_FILE, default audit-hmac.key beside the SQLite file (./data
                   for Postgres), made on first start with mode 0600. Never in the database.
  CARRYOVER_PROCESSES  server processes sharing the load, each dividing the rate limits by it
                   (set for its workers by start/serve: WEB_CONCURRENCY)
  RATE_LIMIT_SCALE every per-user rate limit multiplied by this (default 1); for load tests
                   that play many users through a few accounts, never in production
  CARRYOVER_NOW    an ISO instant: run as if it were then (the clock starts there and runs on);
                   for reproducing a test run or a demo at a given hour, never in production
`;

function fail(message: string): never {
  console.error(`${message}\n\nRun with --help for usage.`);
  process.exit(2);
}

async function migrate(conn: Connection): Promise<void> {
  const applied = await migrateToLatest(conn.db);
  await refreshPlannerStatistics(conn.db);
  console.log(
    applied.length > 0
      ? `Migrated ${conn.location}: ${applied.join(', ')}`
      : `Database ${conn.location} is up to date.`,
  );
}

interface SeedOptions {
  students?: number;
  force: boolean;
  fullYear: boolean;
}

async function seed(conn: Connection, { students, force, fullYear }: SeedOptions): Promise<void> {
  const exists = await hasAnyDistrict(conn.db);
  if (exists && !force) {
    fail(
      'The database already has a district; not seeding. Use --force to add another demo district.',
    );
  }
  const { DEMO_DEFAULTS, seedDemoDistrict } = await import('@carryover/db/demo');
  // A second demo district needs its own sign-in names (emails are unique across districts).
  const districts = await conn.db.selectFrom('district').select('id').execute();
  const n = districts.length + 1;
  const extra = exists ? { emailDomain: `demo${n}.test`, districtName: `Demo district ${n}` } : {};

  let today: string | undefined;
  if (fullYear) {
    const zone = DEMO_DEFAULTS.timeZone;
    today = schoolYearLastDay(systemClock(), zone);
    const asOf = instantAt(today, 18 * 60, zone).toISOString();
    console.log(
      `Full school year: the demo as of ${today} 18:00 ${zone}, the school year's last day.\n` +
        `Its data runs up to that evening; to serve it as of then: CARRYOVER_NOW=${asOf}`,
    );
  }
  console.log(`Creating the demo district${students ? ` with ${students} students` : ''}…`);
  const started = Date.now();
  let lastStep = '';
  let lastShare = -1;
  const result = await seedDemoDistrict(conn.db, {
    students,
    today,
    passwordHash: await hashPassword(DEMO_PASSWORD),
    ...extra,
    onProgress: ({ step, done, total }) => {
      const share = total > 0 ? Math.floor((10 * done) / total) : 10;
      if (step === lastStep && share === lastShare) return;
      lastStep = step;
      lastShare = share;
      console.log(`  ${step.padEnd(16)} ${done}/${total}`);
    },
  });
  const counts = Object.entries(result.counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  console.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${counts}.`);
  console.log(`\nDemo sign-ins (password: ${DEMO_PASSWORD}):`);
  for (const login of result.logins) {
    console.log(`  ${login.email.padEnd(28)} ${login.role.padEnd(12)} ${login.name}`);
  }
  console.log('');
}

/**
 * Every event this process appends gets an HMAC under the audit key. On the first start the
 * key file is made, and the trail already there (if its chain verifies) is anchored once.
 */
async function useAuditKey(
  conn: Connection,
  { singleSignOn = true }: { singleSignOn?: boolean } = {},
): Promise<void> {
  const loaded = loadAuditKey({ create: true });
  if (!loaded) throw new Error('no audit key');
  setAuditKey(loaded.key);
  // Single sign-on client secrets are encrypted under their own key, made here beside the audit
  // key. Only the serving workers read it (worker.ts loads it), so this process leaves the API
  // and its memory unloaded.
  if (singleSignOn) loadSsoKey({ create: true });
  if (!loaded.created) return;
  console.log(
    `Made the audit trail's HMAC key: ${loaded.source} (keep a copy apart from backups).`,
  );
  const districts = await conn.db.selectFrom('district').select('id').execute();
  for (const { id } of districts) {
    const verdict = await anchorAuditTrail(conn.db, id, loaded.key);
    if (!verdict.ok)
      console.error(
        `The audit trail of district ${id} is broken at seq ${verdict.brokenAtSeq} (${verdict.reason}): not anchored.`,
      );
  }
}

/** `audit verify`: 0 when every district's chain and anchor hold, 1 naming the first bad seq. */
async function auditVerify(): Promise<number> {
  let loaded: ReturnType<typeof loadAuditKey>;
  try {
    loaded = loadAuditKey({ create: false });
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  }
  if (!loaded) {
    console.error(
      `No audit key (AUDIT_HMAC_KEY, or the file ${auditKeyPath()}): the anchor cannot be checked.`,
    );
    return 1;
  }
  const conn = openDatabase();
  try {
    return await verifyAuditTrail(conn.db, loaded, (line) => console.log(line));
  } finally {
    await conn.close();
  }
}

const listenHost = () => process.env.HOST || '127.0.0.1';

/**
 * The first admin of a real deployment, without a default password: the account gets an
 * unusable hash and a one-time link (hashed in the database, expiring) where its owner sets
 * their own password and enrols two-step sign-in.
 */
async function createAdmin(
  conn: Connection,
  options: { email?: string; district?: string; name?: string; timezone?: string },
): Promise<void> {
  const email = options.email?.trim().toLowerCase();
  const districtName = options.district?.trim();
  if (!email || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
    fail('create-admin needs --email with an email address');
  if (!districtName) fail('create-admin needs --district with the district name');
  const timezone = options.timezone ?? 'America/Chicago';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    fail(`--timezone: unknown time zone ${timezone}`);
  }
  const now = systemClock();
  const db = conn.db;
  const existing = await db
    .selectFrom('staff_user')
    .select(['id', 'district_id', 'role'])
    .where('email', '=', email)
    .executeTakeFirst();
  let user: { districtId: string; userId: string };
  if (existing) {
    if (existing.role !== 'admin') fail(`${email} exists and is not an admin`);
    user = { districtId: existing.district_id, userId: existing.id };
    console.log(`${email} exists: a new setup link replaces any earlier one.`);
  } else {
    user = await db.transaction().execute(async (trx) => {
      let district = await findDistrictByName(trx, districtName);
      if (!district) {
        const lastDay = schoolYearLastDay(now, timezone);
        const year = Number(lastDay.slice(0, 4));
        const settings = JSON.stringify({
          schoolYearStart: `${year - 1}-08-15`,
          schoolYearEnd: lastDay,
          studentAbsenceOwed: 'unexcused_only',
          timezone,
        });
        const id = await createDistrict(trx, {
          name: districtName,
          settings,
          now: now.toISOString(),
        });
        district = { id, name: districtName };
        console.log(`Created the district ${districtName}.`);
      }
      const userId = await createStaffUser(trx, {
        districtId: district.id,
        name: options.name?.trim() || 'Administrator',
        email,
        role: 'admin',
        discipline: null,
        supervisorId: null,
        // Not a scrypt hash: no password matches it until the link sets one.
        passwordHash: '!setup-link-pending',
        schoolIds: [],
        createdAt: now.toISOString(),
      });
      return { districtId: district.id, userId };
    });
  }
  const { newSetupLinkToken } = await import('@carryover/api');
  const link = await newSetupLinkToken(db, user, now);
  const base = (process.env.PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(
    /\/+$/,
    '',
  );
  // The secret travels in the fragment, which browsers never send to a server or a log.
  console.log(`\nSetup link for ${email} (one use, until ${link.expiresAt}):\n`);
  console.log(`  ${base}/setup#${link.token}\n`);
}

/** PORT and HOST, checked before anything is forked. */
function listenAddress(): Listen {
  const port = Number(process.env.PORT ?? 3000);
  const host = listenHost();
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`PORT must be a port number, got ${process.env.PORT}`);
  return { port, host };
}

/**
 * Before any worker serves: a server others can reach refuses to start while an account has
 * the published demo password (see deployment.ts).
 */
async function refuseDemoPasswordsWhenReachable(conn: Connection, listen: Listen): Promise<void> {
  const reachable = reachableBecause({ host: listen.host, env: process.env });
  if (reachable) {
    const demoAccounts = await accountsWithDemoPassword(conn.db);
    if (demoAccounts.length > 0) {
      await conn.close();
      console.error(demoPasswordRefusal(reachable, demoAccounts));
      process.exit(2);
    }
  }
  if (!(await hasAnyDistrict(conn.db)))
    console.log('No district yet: create the first admin with `carryover create-admin`.');
}

/** WEB_CONCURRENCY, checked before any migration or seed runs. */
async function workersToFork(): Promise<number> {
  const { workerCount } = await import('./cluster');
  try {
    return workerCount();
  } catch (err) {
    fail((err as Error).message);
  }
}

async function main(argv: string[]): Promise<void> {
  const parse = (args: string[]) =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        students: { type: 'string' },
        force: { type: 'boolean' },
        yes: { type: 'boolean' },
        'full-year': { type: 'boolean' },
        email: { type: 'string' },
        district: { type: 'string' },
        name: { type: 'string' },
        timezone: { type: 'string' },
        'dry-run': { type: 'boolean' },
        errors: { type: 'string' },
      },
    });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    fail((err as Error).message);
  }
  const { values, positionals } = parsed;
  const command = positionals[0] ?? (values.help ? 'help' : 'start');
  if (values.help || command === 'help') {
    console.log(HELP);
    return;
  }
  if (command === 'audit') {
    if (positionals[1] !== 'verify' || positionals.length !== 2) fail('Usage: audit verify');
    process.exitCode = await auditVerify();
    return;
  }
  if (command === 'import' || command === 'export') {
    const [, format, path] = positionals;
    const formats = command === 'import' ? ['oneroster', 'services'] : ['oneroster'];
    if (!format || !formats.includes(format) || !path || positionals.length !== 3)
      fail(
        command === 'import'
          ? 'Usage: import oneroster PATH [--dry-run] | import services PATH [--dry-run]'
          : 'Usage: export oneroster DIR',
      );
    if (values['dry-run'] && command === 'export') fail('--dry-run is an option of import');
    const conn = openDatabase();
    try {
      await migrate(conn);
      await useAuditKey(conn, { singleSignOn: false });
      if (command === 'export') {
        process.exitCode = await exportOneRosterCommand(conn, path, values);
        return;
      }
      const run = format === 'services' ? importServicesCommand : importOneRosterCommand;
      process.exitCode = await run(conn, path, {
        dryRun: values['dry-run'] ?? false,
        district: values.district,
        errors: values.errors,
      });
      if (!values['dry-run']) await refreshPlannerStatistics(conn.db, { afterBulkLoad: true });
    } finally {
      await conn.close();
    }
    return;
  }
  const takesFile = command === 'backup' || command === 'restore';
  if (takesFile && positionals.length !== 2) fail(`${command} needs one file: ${command} <file>`);
  if (!takesFile && positionals.length > 1) fail(`Unexpected argument: ${positionals[1]}`);
  let students: number | undefined;
  if (values.students !== undefined) {
    students = Number(values.students);
    if (!Number.isInteger(students) || students < 1)
      fail('--students must be a positive whole number');
  }
  const fullYear = values['full-year'] ?? false;
  if (fullYear && command !== 'seed' && command !== 'start')
    fail('--full-year is an option of seed and start');
  if (command === 'backup' || command === 'restore') {
    const file = positionals[1] as string;
    const run = command === 'backup' ? backup : restore;
    try {
      console.log(await run(process.env.DATABASE_URL, file));
    } catch (err) {
      fail(`${command} failed: ${(err as Error).message}`);
    }
    return;
  }
  if (!['start', 'serve', 'migrate', 'seed', 'reset', 'create-admin'].includes(command))
    fail(`Unknown command: ${command}`);
  if (command === 'reset' && !values.yes) {
    fail('reset deletes every table and all data. Run `reset --yes` if that is what you want.');
  }

  const serving = command === 'start' || command === 'serve';
  const listen = serving ? listenAddress() : { port: 0, host: '' };
  const workers = serving ? await workersToFork() : 0;

  // A faked clock is said out loud, so nobody mistakes a replayed day for the real one.
  if (process.env.CARRYOVER_NOW) console.log(describeClock());
  const conn = openDatabase();
  const closeAfter = async (work: () => Promise<void>) => {
    try {
      await work();
    } finally {
      await conn.close();
    }
  };
  switch (command) {
    case 'migrate':
      return closeAfter(() => migrate(conn));
    case 'seed':
      return closeAfter(async () => {
        await migrate(conn);
        await useAuditKey(conn);
        await seed(conn, { students, force: values.force ?? false, fullYear });
        await refreshPlannerStatistics(conn.db, { afterBulkLoad: true });
      });
    case 'reset':
      return closeAfter(async () => {
        await resetDatabase(conn.db);
        console.log(`Reset ${conn.location}: every table dropped and migrated again (empty).`);
      });
    case 'create-admin':
      return closeAfter(async () => {
        await migrate(conn);
        await useAuditKey(conn);
        await createAdmin(conn, values);
      });
    case 'serve':
      await useAuditKey(conn);
      await refreshPlannerStatistics(conn.db);
      await refuseDemoPasswordsWhenReachable(conn, listen);
      return (await import('./cluster')).serveInWorkers(conn, listen, workers);
    case 'start':
      await migrate(conn);
      await useAuditKey(conn);
      if (!(await hasAnyDistrict(conn.db))) {
        if (seedsDemo({ host: listenHost(), dialect: conn.dialect, env: process.env })) {
          console.log('First run: no district yet; a demo on this machine gets the demo district.');
          await seed(conn, { students, force: false, fullYear });
          await refreshPlannerStatistics(conn.db, { afterBulkLoad: true });
        } else console.log('First run: not a local SQLite demo, so no demo district.');
      }
      await refuseDemoPasswordsWhenReachable(conn, listen);
      return (await import('./cluster')).serveInWorkers(conn, listen, workers);
  }
}

const crash = (err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
};
// A forked worker runs this file too: it serves, the primary did everything else.
if (cluster.isWorker)
  import('./worker').then(({ runWorker }) => runWorker(listenAddress())).catch(crash);
else main(process.argv.slice(2)).catch(crash);
