/**
 * What the test handlers saw. Handlers run inside the test process (the stand-in hosts them
 * in-process), so tests import this same module instance and read it.
 */
export interface JournalEntry {
  fn: string;
  requestId: string;
  retryCount: number;
  event: string;
}

export const journal: JournalEntry[] = [];

/** Calls per key, for handlers that fail a set number of times. */
export const attempts = new Map<string, number>();

/** Forgets everything (call at the start of each test). */
export function resetJournal(): void {
  journal.length = 0;
  attempts.clear();
}
