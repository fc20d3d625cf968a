/**
 * Journal entries of one write, numbered from the execution's `journalLength` so the journal stays
 * gap-free and each entry lands exactly once (entries ride on the compare-and-set that commits
 * them: a write that loses the race leaves no entries behind).
 */
import type { JournalEntry, JournalKind } from '../store/contract.ts';
import type { Json, JsonObject } from './types.ts';

/** Collects the journal entries of one engine write. */
export class Ledger {
  readonly entries: JournalEntry[] = [];

  constructor(
    private readonly executionId: string,
    private readonly base: number,
    private readonly now: number,
  ) {}

  /** Appends an entry; `state` names the state it is about. */
  add(kind: JournalKind, state: string | undefined, data: JsonObject): void {
    const seq = this.base + this.entries.length + 1;
    // Two literals rather than a conditional spread, which V8 builds by its slow generic path.
    this.entries.push(
      state === undefined
        ? { executionId: this.executionId, seq, at: this.now, kind, data }
        : { executionId: this.executionId, seq, at: this.now, kind, state, data },
    );
  }

  /**
   * Adds fields to the last entry (an effect's entry gets the transition it caused). Entries are
   * the ledger's own until written, so the data is extended in place.
   */
  annotateLast(data: JsonObject): void {
    const last = this.entries[this.entries.length - 1];
    if (last) Object.assign(last.data, data);
  }

  /** The execution's journal length once these entries are written. */
  get length(): number {
    return this.base + this.entries.length;
  }
}

/** A short JSON text of a value for the journal, cut at `max` characters. */
export function summarize(value: Json | undefined, max = 240): string {
  const text = value === undefined ? '' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
