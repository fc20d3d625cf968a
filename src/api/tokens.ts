/**
 * API tokens: random bearer secrets mapped to a principal and roles. Only the SHA-256 of a token is
 * stored; the plaintext is shown once, when it is created. A token is named by the first 16 hex
 * digits of its hash (its `id`), which reveals nothing about the secret.
 *
 * Used by the HTTP API (`Authorization: Bearer xcf_…`) and by `xcflow token create --direct`, which
 * writes the first admin token straight into the store.
 */
import { createHash, randomBytes } from 'node:crypto';
import { NotFoundError, UnauthorizedError, ValidationError } from '../errors.ts';
import type { Principal, Role } from '../engine/types.ts';
import type { ExecutionStore, TokenRecord } from '../store/contract.ts';
import { ROLES } from './roles.ts';

/** Prefix of every token, so leaked tokens are easy to recognise and scan for. */
export const TOKEN_PREFIX = 'xcf_';
/** Shape of a token: the prefix and 43 base64url characters (32 random bytes). */
export const TOKEN_PATTERN = /^xcf_[A-Za-z0-9_-]{43}$/;
/** Principal names tokens may carry; `:` is kept for system principals (`eventbridge:…`, `timer:…`). */
export const PRINCIPAL_PATTERN = '^[A-Za-z0-9._@-]{1,64}$';
/** Token ids: the first 16 hex digits of the hash. */
export const TOKEN_ID_PATTERN = '^[0-9a-f]{16}$';

/** Hex SHA-256 of a token: the only form in which it is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The public id of a token (from its hash). */
export function tokenId(hash: string): string {
  return hash.slice(0, 16);
}

/** A new random token. */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** A token as listed (never the secret, never the whole hash). */
export interface TokenInfo {
  id: string;
  principal: string;
  roles: Role[];
  label: string | null;
  createdAt: number;
  createdBy: string | null;
  expiresAt: number | null;
  expired: boolean;
}

/** A freshly created token: its info plus the plaintext, shown once. */
export interface CreatedToken extends TokenInfo {
  token: string;
}

/** What a new token should carry. */
export interface TokenSpec {
  principal: string;
  roles: Role[];
  label?: string;
  /** Lifetime in seconds; none = does not expire. */
  expiresInSeconds?: number;
  /** Who creates it (the admin principal, or `cli:direct`). */
  createdBy: string;
}

function infoOf(rec: TokenRecord, now: number): TokenInfo {
  return {
    id: tokenId(rec.hash),
    principal: rec.principal,
    roles: [...rec.roles],
    label: rec.label ?? null,
    createdAt: rec.createdAt,
    createdBy: rec.createdBy ?? null,
    expiresAt: rec.expiresAt,
    expired: rec.expiresAt !== null && rec.expiresAt <= now,
  };
}

/** Token operations over an `ExecutionStore`. */
export class TokenService {
  constructor(
    private readonly store: ExecutionStore,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Creates a token and stores its hash.
   * @throws ValidationError `InvalidParameter` for a bad principal, role or lifetime.
   */
  async create(spec: TokenSpec): Promise<CreatedToken> {
    if (!new RegExp(PRINCIPAL_PATTERN).test(spec.principal)) {
      throw new ValidationError(`principal must match ${PRINCIPAL_PATTERN}`, { code: 'InvalidParameter', field: 'principal' });
    }
    if (spec.roles.length === 0) throw new ValidationError('at least one role is required', { code: 'InvalidParameter', field: 'roles' });
    const bad = spec.roles.find((r) => !ROLES.includes(r));
    if (bad !== undefined) throw new ValidationError(`unknown role ${String(bad)}; roles are ${ROLES.join(', ')}`, { code: 'InvalidParameter', field: 'roles' });
    if (spec.expiresInSeconds !== undefined && !(Number.isInteger(spec.expiresInSeconds) && spec.expiresInSeconds > 0)) {
      throw new ValidationError('expiresInSeconds must be a positive integer', { code: 'InvalidParameter', field: 'expiresInSeconds' });
    }
    const token = generateToken();
    const now = this.now();
    const record: TokenRecord = {
      hash: hashToken(token),
      principal: spec.principal,
      roles: [...new Set(spec.roles)],
      createdAt: now,
      expiresAt: spec.expiresInSeconds === undefined ? null : now + spec.expiresInSeconds * 1000,
      createdBy: spec.createdBy,
      ...(spec.label ? { label: spec.label } : {}),
    };
    await this.store.putToken(record);
    return { ...infoOf(record, now), token };
  }

  /** Every token, oldest first. */
  async list(): Promise<TokenInfo[]> {
    const now = this.now();
    return (await this.store.listTokens()).map((r) => infoOf(r, now)).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /**
   * Revokes the token with this id.
   * @throws NotFoundError `TokenNotFound`.
   */
  async revoke(id: string): Promise<TokenInfo> {
    const matches = (await this.store.listTokens()).filter((r) => tokenId(r.hash) === id);
    const rec = matches[0];
    if (!rec || matches.length > 1) throw new NotFoundError(`no token with id ${id}`, { code: 'TokenNotFound', field: 'id' });
    await this.store.deleteToken(rec.hash);
    return infoOf(rec, this.now());
  }

  /**
   * The principal behind an `Authorization` header value.
   * @throws UnauthorizedError `MissingToken`, `InvalidToken` or `TokenExpired`.
   */
  async authenticate(authorization: string | null): Promise<Principal> {
    if (!authorization) throw new UnauthorizedError('an Authorization: Bearer <token> header is required', { code: 'MissingToken' });
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m?.[1]) throw new UnauthorizedError('the Authorization header must be "Bearer <token>"', { code: 'InvalidToken' });
    const token = m[1];
    if (!TOKEN_PATTERN.test(token)) throw new UnauthorizedError('the token is not valid', { code: 'InvalidToken' });
    const rec = await this.store.getToken(hashToken(token));
    if (!rec) throw new UnauthorizedError('the token is not valid', { code: 'InvalidToken' });
    if (rec.expiresAt !== null && rec.expiresAt <= this.now()) throw new UnauthorizedError('the token has expired', { code: 'TokenExpired' });
    return { id: rec.principal, roles: [...rec.roles] };
  }
}
