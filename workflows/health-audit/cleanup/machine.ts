/**
 * `remove-migration-leftovers`: the last step of a smooth migration (seed 5.1-6e / 5.2-8f,
 * "delete the detailed routes") for halves a migration left behind, proposed by the health
 * audit's `migration-leftovers` finding. Pure: the runner runs the effects.
 *
 *   CheckingSafety (the CEN route covering the halves is Active) → AwaitingApproval →
 *   RemovingRoute ⇄ AwaitingRouteRemoved (one half at a time) → VerifyingRemoval → Succeeded
 *   any failure after a deletion → RestoringRoute ⇄ AwaitingRouteRestored → RolledBack
 */
import { assign, not, setup } from 'xstate';
import type { Json, JsonObject } from '../../../src/engine/types.ts';
import { finalStates, outputOf } from '../../shared/saga.ts';
import { failed, procedureTypes } from '../../shared/steps.ts';
import type { LeftoverRoute } from './params.ts';

/** Context (plain JSON). */
export interface CleanupContext {
  routes: LeftoverRoute[];
  /** Index of the route being removed. */
  index: number;
  /** Routes removed so far, newest first (the compensations). */
  removed: LeftoverRoute[];
  safety: JsonObject | null;
  verification: JsonObject | null;
  failure: { code: string; message: string; evidence?: Json } | null;
}

/** Route poll interval and deadline (the emulator's route entries settle in seconds). */
export const CLEANUP_DELAYS = { routePollInterval: 3_000, routeTimeout: 5 * 60_000, approvalExpiry: 24 * 3_600_000 } as const;

/** The machine of `remove-migration-leftovers`. */
export const cleanupMachine = setup({
  types: procedureTypes<CleanupContext>(),
  guards: {
    safe: ({ event }) => outputOf(event).safe === true,
    verified: ({ event }) => outputOf(event).ok === true,
    moreRoutes: ({ context }) => context.index + 1 < context.routes.length,
    somethingRemoved: ({ context }) => context.removed.length > 0,
    moreToRestore: ({ context }) => context.removed.length > 1,
  },
  actions: {
    recordSafety: assign({ safety: ({ event }) => outputOf(event) }),
    recordVerification: assign({ verification: ({ event }) => outputOf(event) }),
    routeRemoved: assign({
      removed: ({ context }) => [context.routes[context.index] as LeftoverRoute, ...context.removed],
    }),
    nextRoute: assign({ index: ({ context }) => context.index + 1 }),
    routeRestored: assign({ removed: ({ context }) => context.removed.slice(1) }),
    fail: assign({
      failure: ({ event }, params: { code: string; message: string }) => {
        const out = outputOf(event);
        const message =
          event.type === 'STEP.FAILED' ? `${params.message}: ${event.error.message}` : typeof out.reason === 'string' ? `${params.message}: ${out.reason}` : params.message;
        return { code: params.code, message, evidence: (event.type === 'STEP.FAILED' ? event.error : out) as unknown as Json };
      },
    }),
  },
}).createMachine({
  id: 'remove-migration-leftovers',
  context: ({ input }) => ({
    routes: (Array.isArray(input.params.routes) ? input.params.routes : []) as unknown as LeftoverRoute[],
    index: 0,
    removed: [],
    safety: null,
    verification: null,
    failure: null,
  }),
  initial: 'CheckingSafety',
  output: ({ context }) => ({ removed: context.removed.length, safety: context.safety, verification: context.verification, failure: context.failure }) as unknown as Json,
  on: { CANCEL: { target: '.Cancelled', actions: assign({ failure: ({ event }) => ({ code: 'Cancelled', message: `cancelled by ${event.type === 'CANCEL' ? event.by : 'someone'}` }) }) } },
  states: {
    CheckingSafety: {
      description: 'The CEN route covering the leftovers must be Active (it carries their traffic once they go).',
      meta: { step: { kind: 'effect', effect: 'verifyLeftoversSafe', seed: '5.1-6d', title: 'Check the CEN route is Active' } },
      on: {
        'STEP.DONE': [
          { guard: 'safe', target: 'AwaitingApproval', actions: 'recordSafety' },
          { target: 'Failed', actions: ['recordSafety', failed('Unsafe', 'removing the leftovers is not safe now')] },
        ],
        'STEP.FAILED': { target: 'Failed', actions: failed('SafetyCheckFailed', 'could not read the CEN route') },
      },
    },
    AwaitingApproval: {
      meta: { step: { kind: 'approval', roles: ['approver', 'admin'], quorum: 1, expiresInMs: CLEANUP_DELAYS.approvalExpiry, reason: 'deletes routes that carry traffic today (it moves to the Active CEN route that covers them)', seed: '5.1-6e', title: 'Approve the removal' } },
      on: {
        'APPROVAL.GRANTED': 'RemovingRoute',
        'APPROVAL.REJECTED': { target: 'Rejected', actions: failed('ApprovalRejected', 'rejected') },
        'APPROVAL.EXPIRED': { target: 'Expired', actions: failed('ApprovalExpired', 'nobody approved in time') },
      },
    },
    RemovingRoute: {
      description: 'Seed 5.1-6e: delete one leftover half (absent counts as done).',
      meta: { step: { kind: 'effect', effect: 'removeLeftoverRoute', seed: '5.1-6e', title: 'Delete a leftover route' } },
      on: {
        'STEP.DONE': { target: 'AwaitingRouteRemoved', actions: 'routeRemoved' },
        'STEP.FAILED': [
          { guard: 'somethingRemoved', target: 'RestoringRoute', actions: failed('RemovalFailed', 'deleting a leftover route failed') },
          { target: 'Failed', actions: failed('RemovalFailed', 'deleting a leftover route failed') },
        ],
        CANCEL: [{ guard: 'somethingRemoved', target: 'RestoringRoute', actions: failed('Cancelled', 'cancelled during the removal') }, { target: 'Cancelled' }],
      },
    },
    AwaitingRouteRemoved: {
      meta: { step: { kind: 'wait', effect: 'awaitLeftoverRouteRemoved', pollIntervalMs: CLEANUP_DELAYS.routePollInterval, timeoutMs: CLEANUP_DELAYS.routeTimeout, seed: '5.1-6e', title: 'Route gone' } },
      on: {
        'STEP.DONE': [{ guard: 'moreRoutes', target: 'RemovingRoute', actions: 'nextRoute' }, { target: 'VerifyingRemoval' }],
        'STEP.FAILED': { target: 'RestoringRoute', actions: failed('RemovalTimedOut', 'a leftover route did not go away') },
        CANCEL: { target: 'RestoringRoute', actions: failed('Cancelled', 'cancelled during the removal') },
      },
    },
    VerifyingRemoval: {
      description: 'The leftovers are gone and the covering CEN route is still Active.',
      meta: { step: { kind: 'effect', effect: 'verifyLeftoversRemoved', seed: '5.1-6e', title: 'Verify' } },
      on: {
        'STEP.DONE': [
          { guard: 'verified', target: 'Succeeded', actions: 'recordVerification' },
          { target: 'RestoringRoute', actions: ['recordVerification', failed('VerificationFailed', 'verification after the removal failed')] },
        ],
        'STEP.FAILED': { target: 'RestoringRoute', actions: failed('VerificationFailed', 'verification after the removal failed') },
        CANCEL: { target: 'RestoringRoute', actions: failed('Cancelled', 'cancelled during the verification') },
      },
    },
    RestoringRoute: {
      description: 'Re-add a removed half (newest first).',
      meta: { step: { kind: 'effect', effect: 'restoreLeftoverRoute', seed: '5.3', title: 'Re-add a removed route' } },
      always: { guard: not('somethingRemoved'), target: 'RolledBack' },
      on: {
        'STEP.DONE': 'AwaitingRouteRestored',
        'STEP.FAILED': { target: 'Failed', actions: failed('RestoreFailed', 'could not re-add a removed route') },
        CANCEL: {},
      },
    },
    AwaitingRouteRestored: {
      meta: { step: { kind: 'wait', effect: 'awaitLeftoverRouteRestored', pollIntervalMs: CLEANUP_DELAYS.routePollInterval, timeoutMs: CLEANUP_DELAYS.routeTimeout, seed: '5.3', title: 'Route back' } },
      on: {
        'STEP.DONE': [{ guard: 'moreToRestore', target: 'RestoringRoute', actions: 'routeRestored' }, { target: 'RolledBack', actions: 'routeRestored' }],
        'STEP.FAILED': { target: 'Failed', actions: failed('RestoreTimedOut', 'a re-added route did not become Available') },
        CANCEL: {},
      },
    },
    ...finalStates,
  },
});
