/**
 * `health-audit`: the scheduled audit of the Express Connect + CEN network (issue 7; no seed
 * chapter — it checks what chapters 1, 2, 5 and 6 build). Pure: the runner runs the effects.
 *
 *   Auditing (read every Describe API, probe, run the fifteen checks, record the run and the
 *   findings' lifecycle) → ProposingRemediations (approval-gated executions for safe fixes) → Succeeded
 *
 * The audit changes nothing in the network; the executions it proposes wait at their own
 * approval gates.
 */
import { assign, setup } from 'xstate';
import type { SerializedError } from '../../src/errors.ts';
import type { Json, JsonObject } from '../../src/engine/types.ts';
import { outputOf } from '../shared/saga.ts';
import { failed, procedureTypes, type FailParams } from '../shared/steps.ts';

/** Context of the audit machine (plain JSON, persisted by the engine). */
export interface AuditContext {
  executionId: string;
  /** What `runAudit` returned: counts and changes of the run. */
  summary: JsonObject | null;
  /** What `proposeRemediations` returned. */
  remediations: JsonObject | null;
  failure: (FailParams & { error?: SerializedError }) | null;
}

/** The machine of `health-audit`. */
export const healthAuditMachine = setup({
  types: procedureTypes<AuditContext>(),
  actions: {
    recordSummary: assign({ summary: ({ event }) => outputOf(event) }),
    recordRemediations: assign({ remediations: ({ event }) => outputOf(event) }),
    fail: assign({
      failure: ({ event }, params: FailParams) => ({
        ...params,
        ...(event.type === 'STEP.FAILED' ? { message: `${params.message}: ${event.error.message}`, error: event.error } : {}),
      }),
    }),
  },
}).createMachine({
  id: 'health-audit',
  context: ({ input }) => ({ executionId: input.executionId, summary: null, remediations: null, failure: null }),
  initial: 'Auditing',
  output: ({ context }) => ({ runId: context.summary?.runId ?? null, summary: context.summary, remediations: context.remediations, failure: context.failure }) as unknown as Json,
  on: {
    CANCEL: { target: '.Cancelled' },
  },
  states: {
    Auditing: {
      description: 'Read the network through the Describe APIs (paged), probe health-check return paths and declared flows, run the checks, store the run and the findings.',
      meta: { step: { kind: 'effect', effect: 'runAudit', title: 'Audit the network' } },
      on: {
        'STEP.DONE': [
          { guard: ({ event }) => outputOf(event).proposeRemediations === false, target: 'Succeeded', actions: 'recordSummary' },
          { target: 'ProposingRemediations', actions: 'recordSummary' },
        ],
        'STEP.FAILED': { target: 'Failed', actions: failed('AuditFailed', 'the audit could not read or record the network', 'Auditing') },
      },
    },
    ProposingRemediations: {
      description: 'Start an approval-gated execution of the matching procedure for each open finding with a safe fix.',
      meta: { step: { kind: 'effect', effect: 'proposeRemediations', title: 'Propose remediations' } },
      on: {
        'STEP.DONE': { target: 'Succeeded', actions: 'recordRemediations' },
        'STEP.FAILED': { target: 'Failed', actions: failed('RemediationProposalFailed', 'the findings are recorded, but proposing remediations failed', 'ProposingRemediations') },
      },
    },
    Succeeded: { type: 'final' },
    Failed: { type: 'final' },
    Cancelled: { type: 'final' },
  },
});
