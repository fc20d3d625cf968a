/**
 * Per-resource locks (route table, VBR, CEN, physical connection) as leases in the store.
 * An execution takes every lock its procedure names (`ProcedureDefinition.locks(params)`), in
 * sorted order, all or none; it holds them until it ends and renews them as it goes, so a lock
 * lapses only if its execution stops being driven. A lock whose holder has already ended (it
 * crashed between its final commit and the release) is taken over at once.
 */
import { ConflictError } from '../errors.ts';
import type { ExecutionStore, LockRecord } from '../store/contract.ts';
import { isTerminal } from './registry.ts';

/** What a second execution does when a resource it needs is locked. */
export type LockPolicy = 'wait' | 'refuse';

/** Result of trying to take a set of locks. */
export type LockAttempt = { ok: true } | { ok: false; resource: string; holder: LockRecord };

/** Sorted, de-duplicated lock names (a fixed order prevents deadlock between two executions). */
export function normalizeLocks(resources: readonly string[]): string[] {
  return [...new Set(resources)].sort();
}

/**
 * Takes or renews every lock for `owner` until `until`. On the first refusal it releases what
 * this call took and reports the holder.
 */
export async function acquireLocks(store: ExecutionStore, owner: string, resources: readonly string[], until: number, now: number): Promise<LockAttempt> {
  const taken: string[] = [];
  for (const resource of resources) {
    let result = await store.tryLock({ resource, owner, until }, now);
    if (!result.acquired) {
      const holder = await store.getExecution(result.holder.owner);
      if (!holder || isTerminal(holder.status)) {
        await store.releaseLock(resource, result.holder.owner);
        result = await store.tryLock({ resource, owner, until }, now);
      }
    }
    if (!result.acquired) {
      await releaseLocks(store, owner, taken);
      return { ok: false, resource, holder: result.holder };
    }
    taken.push(resource);
  }
  return { ok: true };
}

/** Releases the locks `owner` holds among `resources` (others' locks are left alone). */
export async function releaseLocks(store: ExecutionStore, owner: string, resources: readonly string[]): Promise<void> {
  for (const resource of resources) await store.releaseLock(resource, owner);
}

/** The refusal users see when a resource is held: names the holder execution. */
export function lockConflict(resource: string, holder: LockRecord): ConflictError {
  return new ConflictError(`${resource} is locked by execution ${holder.owner}; wait for it to end or cancel it`, {
    code: 'ResourceLocked',
    field: resource,
  });
}
