/**
 * What every check is: a pure function `(inventory, intent) → Finding[]` with an id, a title and
 * a description of when it fires (network-anchors.md §2.3). No I/O: the inventory holds
 * everything read, the intent what is meant.
 */
import type { AuditIntent } from '../intent.ts';
import type { ActiveChange, CheckId, Finding, Inventory, Severity } from '../types.ts';
import { SEVERITIES } from '../types.ts';

/** A check of the audit. */
export interface CheckDefinition {
  id: CheckId;
  /** Short name. */
  title: string;
  /** What it looks at and when it fires, with the severities it uses. */
  description: string;
  run(inventory: Inventory, intent: AuditIntent): Finding[];
}

/** The more severe of two severities. */
export function worst(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(a) >= SEVERITIES.indexOf(b) ? a : b;
}

/**
 * The change in flight (a migration, a rollback, a remediation) that holds a lock on one of
 * `resources` (lock names as the procedures use them: `vpc:…`, `vbr:…`, `cen:…`, `route-table:…`),
 * restricted to procedures whose half-done state explains what a check sees.
 */
export function changeInFlight(inv: Inventory, resources: readonly string[], procedures?: readonly string[]): ActiveChange | undefined {
  const wanted = new Set(resources);
  // An execution still waiting for approval has changed nothing yet: it explains no state.
  return inv.activeChanges.find(
    (c) => c.status !== 'awaiting_approval' && (!procedures || procedures.includes(c.procedureId)) && c.locks.some((l) => wanted.has(l)),
  );
}

/** Procedures whose intermediate states look like leftovers or conflicts (seed chapter 5). */
export const MIGRATION_PROCEDURES = ['migrate-vpc-to-cen', 'migrate-vbr-to-cen', 'rollback-migration', 'remove-migration-leftovers'] as const;

/** Sorted, de-duplicated resource list. */
export function refs(...xs: Array<string | undefined | null | false>): string[] {
  return [...new Set(xs.filter((x): x is string => typeof x === 'string' && x.length > 0))].sort();
}
