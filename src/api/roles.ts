/**
 * Who may do what. Roles are additive: every role reads; operators start, plan, cancel and roll
 * back; approvers approve and reject; admins do everything, including tokens and starting without
 * the approval gate. Approvers never approve their own request — checked here (on the requester,
 * before anything is written) and again by the engine's approval gate.
 */
import { ForbiddenError } from '../errors.ts';
import type { Principal, Role } from '../engine/types.ts';

/** Actions the API authorizes. */
export type Permission =
  | 'read'
  | 'plan'
  | 'start'
  | 'start.noApproval'
  | 'cancel'
  | 'rollback'
  | 'approve'
  | 'reject'
  | 'tokens';

/** Every role, in order of power (for listings and docs). */
export const ROLES: readonly Role[] = ['viewer', 'operator', 'approver', 'admin'];

/** The roles matrix: which roles grant each permission. */
export const PERMISSION_ROLES: Readonly<Record<Permission, readonly Role[]>> = {
  read: ['viewer', 'operator', 'approver', 'admin'],
  plan: ['operator', 'admin'],
  start: ['operator', 'admin'],
  'start.noApproval': ['admin'],
  cancel: ['operator', 'admin'],
  rollback: ['operator', 'admin'],
  approve: ['approver', 'admin'],
  reject: ['approver', 'admin'],
  tokens: ['admin'],
};

/** What each permission means, for docs and error messages. */
export const PERMISSION_TEXT: Readonly<Record<Permission, string>> = {
  read: 'read executions, journals, procedures',
  plan: 'compute plans',
  start: 'start executions',
  'start.noApproval': 'start without the approval gate (`approvalRequired: false`)',
  cancel: 'cancel executions',
  rollback: 'roll executions back',
  approve: 'approve (never their own request)',
  reject: 'reject (never their own request)',
  tokens: 'create, list and revoke tokens',
};

/** Whether the principal holds a role granting `permission`. */
export function can(principal: Principal, permission: Permission): boolean {
  const allowed = PERMISSION_ROLES[permission];
  return principal.roles.some((r) => allowed.includes(r));
}

/**
 * Checks a permission.
 * @throws ForbiddenError `RoleRequired` naming the roles that would allow it.
 */
export function requirePermission(principal: Principal, permission: Permission, field?: string): void {
  if (can(principal, permission)) return;
  const roles = PERMISSION_ROLES[permission];
  throw new ForbiddenError(`${principal.id} may not ${PERMISSION_TEXT[permission]}: needs role ${roles.join(' or ')}`, {
    code: 'RoleRequired',
    ...(field ? { field } : {}),
  });
}
