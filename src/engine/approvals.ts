/**
 * Approval gates as persisted data. Entering an approval state opens a gate (roles, quorum,
 * expiry) in the same commit; approvers' decisions are rows keyed by principal, so a repeated
 * approval counts once. The runner closes the gate by sending the machine one event:
 * `APPROVAL.REJECTED` on the first rejection, `APPROVAL.GRANTED` once `quorum` distinct
 * principals approved, `APPROVAL.EXPIRED` at expiry.
 *
 * Early approvals — before the execution reaches the gate — are refused (`ApprovalNotPending`):
 * the gate, with its reason, roles and quorum, is persisted before anyone is told about it, so an
 * approver can only ever approve a request they have seen.
 */
import { ConflictError, ForbiddenError } from '../errors.ts';
import type { ApprovalDecision, ApprovalGate, ExecutionRecord } from '../store/contract.ts';
import type { Principal, RunnerEvent, StepMeta } from './types.ts';

type ApprovalMeta = Extract<StepMeta, { kind: 'approval' }>;

/** The gate persisted when an execution enters an approval state. */
export function openGate(meta: ApprovalMeta, state: string, gateSeq: number, requestedBy: string, now: number): ApprovalGate {
  return {
    gateSeq,
    state,
    roles: [...meta.roles],
    quorum: Math.max(1, meta.quorum),
    reason: meta.reason,
    requestedBy,
    openedAt: now,
    expiresAt: now + meta.expiresInMs,
    status: 'pending',
  };
}

/** What the decisions so far mean for a gate at time `now`; null while it stays open. */
export function evaluateGate(gate: ApprovalGate, decisions: readonly ApprovalDecision[], now: number): RunnerEvent | null {
  const rejection = decisions.find((d) => d.decision === 'reject');
  if (rejection) return { type: 'APPROVAL.REJECTED', by: rejection.principal, ...(rejection.comment ? { comment: rejection.comment } : {}) };
  const approvers = [...new Set(decisions.filter((d) => d.decision === 'approve').map((d) => d.principal))];
  if (approvers.length >= gate.quorum) return { type: 'APPROVAL.GRANTED', approvers };
  if (now >= gate.expiresAt) return { type: 'APPROVAL.EXPIRED' };
  return null;
}

/** The gate status an approval event leads to. */
export function gateStatusAfter(event: RunnerEvent): ApprovalGate['status'] {
  if (event.type === 'APPROVAL.GRANTED') return 'granted';
  if (event.type === 'APPROVAL.REJECTED') return 'rejected';
  if (event.type === 'APPROVAL.EXPIRED') return 'expired';
  return 'closed';
}

/**
 * The open gate a principal may decide on.
 * @throws ConflictError `ApprovalNotPending` (no open gate: too early, or already decided),
 * `ApprovalExpired`; ForbiddenError `SelfApproval` (the requester), `ApproverRoleRequired`.
 */
export function gateForDecision(record: ExecutionRecord, principal: Principal, now: number): ApprovalGate {
  const gate = record.approval;
  if (!gate || gate.status !== 'pending' || record.step?.kind !== 'approval' || record.step.entrySeq !== gate.gateSeq) {
    const where = record.step ? `it is at ${record.step.state}` : `it is ${record.status}`;
    throw new ConflictError(`execution ${record.id} is not awaiting approval (${where})`, { code: 'ApprovalNotPending' });
  }
  if (now >= gate.expiresAt) {
    throw new ConflictError(`the approval request of execution ${record.id} expired`, { code: 'ApprovalExpired' });
  }
  if (principal.id === record.requestedBy) {
    throw new ForbiddenError(`${principal.id} requested execution ${record.id} and cannot approve or reject it`, { code: 'SelfApproval' });
  }
  if (!principal.roles.some((r) => gate.roles.includes(r))) {
    throw new ForbiddenError(`approving execution ${record.id} needs one of the roles ${gate.roles.join(', ')}`, { code: 'ApproverRoleRequired' });
  }
  return gate;
}
