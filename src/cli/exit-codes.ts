/**
 * Exit codes of `xcflow`, stable for scripts (docs/cli.md). API refusals map from the HTTP status,
 * executions that `run --watch` / `watch` follow to their end map from the final status.
 */

/** Every exit code and what it means. */
export const EXIT = {
  /** Done; for `watch`/`run --watch`: the execution succeeded (or reached `--until`). */
  ok: 0,
  /** Unexpected failure (the API answered 500, or a bug). */
  error: 1,
  /** Bad command line. */
  usage: 2,
  /** The API refused the request as invalid (400, 405, 413, 415): nothing was changed. */
  invalid: 3,
  /** Missing, invalid or expired token (401). */
  unauthorized: 4,
  /** The token's roles do not allow it (403), e.g. approving one's own request. */
  forbidden: 5,
  /** No such execution, procedure, planner or token (404). */
  notFound: 6,
  /** Conflicts with the current state (409): not awaiting approval, ended, locked, key reused. */
  conflict: 7,
  /** A cloud call failed (502 for good, 503 may succeed later). */
  cloud: 8,
  /** The API could not be reached, or is misconfigured. */
  unreachable: 9,
  /** The execution ended `failed`. */
  failed: 10,
  /** The execution ended `rolled_back`. */
  rolledBack: 11,
  /** The execution ended `cancelled`, `rejected` or `expired`. */
  stopped: 12,
  /** `--timeout` passed before the execution got there. */
  timeout: 13,
} as const;

/** One of the exit codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Exit code for an API error answer's HTTP status. */
export function exitForStatus(status: number): ExitCode {
  if (status === 400 || status === 405 || status === 413 || status === 415) return EXIT.invalid;
  if (status === 401) return EXIT.unauthorized;
  if (status === 403) return EXIT.forbidden;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status === 502 || status === 503) return EXIT.cloud;
  return EXIT.error;
}

/** Exit code for an execution's final (or current) status. */
export function exitForExecution(status: string): ExitCode | null {
  switch (status) {
    case 'succeeded':
      return EXIT.ok;
    case 'failed':
      return EXIT.failed;
    case 'rolled_back':
      return EXIT.rolledBack;
    case 'cancelled':
    case 'rejected':
    case 'expired':
      return EXIT.stopped;
    default:
      return null;
  }
}
