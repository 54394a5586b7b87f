// How the API and the server log. Imports nothing, so a process that only supervises others (the
// server's primary, apps/server/src/cluster.ts) can log without loading the API
// (`@carryover/api/logging`).

export interface Logger {
  info(line: string): void;
  warn(line: string): void;
  error(line: string, err?: unknown): void;
}

/**
 * What an error log line may say about an error: its name, code and message. Never the whole
 * object: a Postgres error's `detail`, `where` or `parameters` can hold row values (a student's
 * name in a constraint violation), and a cause chain can hold a request's input.
 */
export function errorSummary(err: unknown): string {
  if (!(err instanceof Error)) return `non-error thrown (${typeof err})`;
  const code = (err as { code?: unknown }).code;
  const codePart = typeof code === 'string' || typeof code === 'number' ? ` code=${code}` : '';
  return `${err.name}${codePart}: ${err.message}`;
}

export const consoleLogger: Logger = {
  info: (line) => console.log(line),
  warn: (line) => console.warn(line),
  error: (line, err) =>
    err === undefined ? console.error(line) : console.error(`${line} — ${errorSummary(err)}`),
};
