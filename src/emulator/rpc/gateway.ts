/**
 * The POP RPC gateway: turns one HTTP request into one Action call. Checks, in order: the
 * product (`Version`), the `Action`, the AccessKeyId, the signature parameters, the timestamp
 * window, the HMAC-SHA1 signature and the nonce; then injected faults; then `ClientToken` replay;
 * then the handler. Every answer is JSON with a `RequestId`; every error is
 * `{RequestId, HostId, Code, Message, Recommend}` (alibaba-api.md §2–3).
 *
 * Time: the timestamp window and the nonce window use the wall clock (`wallNow`), not the
 * emulator clock, because clients such as pop-core stamp requests with the machine's real time.
 * A virtual clock advanced by hours must not make every request "expired".
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  accessKeyNotFound,
  actionNotFound,
  dryRunOperation,
  idempotentParameterMismatch,
  internalError,
  invalidParameter,
  invalidVersion,
  missingCommonParameter,
  signatureDoesNotMatch,
  signatureNonceUsed,
  timestampExpired,
  timestampMalformed,
  unsupportedSignature,
} from './errors.ts';
import { RpcParams } from './params.ts';
import { ClientTokenCache, NONCE_WINDOW_MS, NonceCache, paramsFingerprint, tokenKey } from './replay.ts';
import { parseFormEncoded, sign, signaturesEqual, stringToSign } from './signature.ts';
import { isWriteAction, type ActionContext, type ProductApi } from './types.ts';
import type { FaultInjector } from '../faults.ts';
import { EmulatorApiError } from '../errors.ts';

/** An AccessKey pair the emulator accepts. */
export interface Credential {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** UID of the account the pair acts for; absent = the model's default account. */
  readonly accountId?: string;
}

/** The raw HTTP request as the server read it. */
export interface RpcRequest {
  readonly method: string;
  /** URL path; POP RPC is always served at `/`. */
  readonly path?: string;
  /** Query string without the leading `?`. */
  readonly query: string;
  /** Request body (form-encoded for POST). */
  readonly body: string;
}

/** The answer to write back. */
export interface RpcResponse {
  readonly status: number;
  readonly requestId: string;
  readonly body: string;
}

/** One line of the gateway's call log (what `GET /_emulator/calls` shows). */
export interface CallRecord {
  /** Wall-clock ms of the answer. */
  readonly at: number;
  readonly requestId: string;
  readonly product?: string;
  readonly action?: string;
  /** Error code, absent on success. */
  readonly code?: string;
}

/** Options of {@link RpcGateway}. */
export interface GatewayOptions {
  readonly products: readonly ProductApi[];
  readonly credentials: readonly Credential[];
  readonly faults?: FaultInjector;
  /** Wall clock for the timestamp and nonce windows (default `Date.now`). */
  readonly wallNow?: () => number;
  /** Called when an action throws something without an Alibaba code (default: console.error). */
  readonly onInternalError?: (err: unknown, record: CallRecord) => void;
}

/** Accepted skew between a request's `Timestamp` and the wall clock. */
export const TIMESTAMP_WINDOW_MS = 15 * 60 * 1000;

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;
const CALL_LOG_LIMIT = 500;
const SIGNATURE_PARAMS = ['Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp'] as const;

/** Verifies, dispatches and serializes POP RPC calls. */
export class RpcGateway {
  private readonly byVersion = new Map<string, ProductApi>();
  private readonly secrets = new Map<string, string>();
  private readonly accounts = new Map<string, string>();
  private readonly nonces = new NonceCache();
  private readonly tokens = new ClientTokenCache();
  /** The call log: a ring of {@link CALL_LOG_LIMIT} records, `logNext` the next slot to write. */
  private readonly log: CallRecord[] = [];
  private logNext = 0;
  private readonly counts = new Map<string, { calls: number; errors: number }>();
  private readonly wallNow: () => number;
  private readonly faults?: FaultInjector;
  private readonly onInternalError: (err: unknown, record: CallRecord) => void;

  constructor(opts: GatewayOptions) {
    for (const p of opts.products) this.byVersion.set(p.version, p);
    this.setCredentials(opts.credentials);
    this.wallNow = opts.wallNow ?? Date.now;
    this.faults = opts.faults;
    this.onInternalError =
      opts.onInternalError ?? ((err, record) => console.error(`emulator: ${record.action ?? '?'} failed unexpectedly`, err));
  }

  /** Replaces the accepted AccessKey pairs. */
  setCredentials(credentials: readonly Credential[]): void {
    this.secrets.clear();
    this.accounts.clear();
    for (const c of credentials) {
      this.secrets.set(c.accessKeyId, c.accessKeySecret);
      if (c.accountId !== undefined) this.accounts.set(c.accessKeyId, c.accountId);
    }
  }

  /** Forgets nonces, ClientTokens and the call log (used by `POST /_emulator/reset`). */
  reset(): void {
    this.nonces.clear();
    this.tokens.clear();
    this.log.length = 0;
    this.logNext = 0;
    this.counts.clear();
  }

  /** The most recent calls, oldest first. */
  calls(): readonly CallRecord[] {
    return this.log.length < CALL_LOG_LIMIT ? [...this.log] : [...this.log.slice(this.logNext), ...this.log.slice(0, this.logNext)];
  }

  /** Calls and errors per action since start or reset. */
  callCounts(): Record<string, { calls: number; errors: number }> {
    return Object.fromEntries([...this.counts].map(([k, v]) => [k, { ...v }]));
  }

  /** Handles one RPC request; never throws. */
  async handle(req: RpcRequest): Promise<RpcResponse> {
    const requestId = randomUUID().toUpperCase();
    let product: ProductApi | undefined;
    let action: string | undefined;
    try {
      const method = req.method.toUpperCase();
      if ((method !== 'GET' && method !== 'POST') || (req.path !== undefined && req.path !== '/')) throw actionNotFound();
      const flat = readParams(req);
      product = this.productFor(flat);
      action = flat.Action;
      const handler = this.authenticate(method, flat, product);
      const params = new RpcParams(flat);
      const write = isWriteAction(handler.action);
      if (this.faults) {
        const decision = this.faults.decide(handler.action, write);
        if (decision.latencyMs > 0) await delay(decision.latencyMs);
        if (decision.error) throw decision.error;
      }
      const dryRun = params.bool('DryRun') === true;
      const token = write && !dryRun ? params.string('ClientToken') : undefined;
      const key = token === undefined ? undefined : tokenKey(flat.AccessKeyId ?? '', product.version, handler.action, token);
      const fingerprint = key === undefined ? '' : paramsFingerprint(flat);
      if (key !== undefined) {
        const prior = this.tokens.get(key);
        if (prior) {
          if (prior.fingerprint !== fingerprint) throw idempotentParameterMismatch();
          return this.ok(requestId, product, handler.action, prior.result);
        }
      }
      const ctx: ActionContext = {
        product: product.product,
        action: handler.action,
        params,
        requestId,
        accessKeyId: flat.AccessKeyId ?? '',
        accountId: this.accounts.get(flat.AccessKeyId ?? '') ?? '',
        dryRun,
      };
      const result = await handler.run(ctx);
      if (dryRun) throw dryRunOperation();
      if (key !== undefined) this.tokens.set(key, { fingerprint, result });
      return this.ok(requestId, product, handler.action, result);
    } catch (err) {
      return this.fail(requestId, product, action, err);
    }
  }

  private productFor(flat: Record<string, string>): ProductApi {
    const version = flat.Version;
    if (version === undefined || version === '') throw missingCommonParameter('Version');
    const product = this.byVersion.get(version);
    if (!product) throw invalidVersion();
    return product;
  }

  private authenticate(
    method: string,
    flat: Record<string, string>,
    product: ProductApi,
  ): { action: string; run: (ctx: ActionContext) => ReturnType<ProductApi['actions'][string]> } {
    const action = flat.Action;
    if (action === undefined || action === '') throw missingCommonParameter('Action');
    const run = Object.hasOwn(product.actions, action) ? product.actions[action] : undefined;
    if (!run) throw actionNotFound();
    const accessKeyId = flat.AccessKeyId;
    if (accessKeyId === undefined || accessKeyId === '') throw missingCommonParameter('AccessKeyId');
    const secret = this.secrets.get(accessKeyId);
    if (secret === undefined) throw accessKeyNotFound();
    for (const name of SIGNATURE_PARAMS) {
      if (flat[name] === undefined || flat[name] === '') throw missingCommonParameter(name);
    }
    if (flat.SignatureMethod !== 'HMAC-SHA1') throw unsupportedSignature('SignatureMethod', flat.SignatureMethod ?? '');
    if (flat.SignatureVersion !== '1.0') throw unsupportedSignature('SignatureVersion', flat.SignatureVersion ?? '');
    const stamp = parseTimestamp(flat.Timestamp ?? '');
    const now = this.wallNow();
    if (Math.abs(now - stamp) > TIMESTAMP_WINDOW_MS) {
      throw timestampExpired(flat.Timestamp ?? '', new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    }
    const toSign = stringToSign(method, flat);
    if (!signaturesEqual(flat.Signature ?? '', sign(secret, toSign))) throw signatureDoesNotMatch(toSign);
    // The nonce is spent only by a correctly signed request, so a forged one cannot burn it.
    if (!this.nonces.use(accessKeyId, flat.SignatureNonce ?? '', now)) throw signatureNonceUsed();
    return { action, run };
  }

  private ok(requestId: string, product: ProductApi, action: string, result: Record<string, unknown>): RpcResponse {
    this.record({ at: this.wallNow(), requestId, product: product.product, action });
    // RequestId first, then the action's fields, serialized once without copying the result.
    const fields = JSON.stringify(result);
    return { status: 200, requestId, body: `{"RequestId":"${requestId}"${fields === '{}' ? '' : `,${fields.slice(1, -1)}`}}` };
  }

  private fail(requestId: string, product: ProductApi | undefined, action: string | undefined, err: unknown): RpcResponse {
    const record: CallRecord = {
      at: this.wallNow(),
      requestId,
      ...(product ? { product: product.product } : {}),
      ...(action ? { action } : {}),
    };
    let rpc = asRpcError(err);
    if (!rpc) {
      this.onInternalError(err, record);
      rpc = internalError();
    }
    this.record({ ...record, code: rpc.code });
    const productCode = product?.product ?? 'Vpc';
    const body = {
      RequestId: requestId,
      HostId: product?.host ?? 'vpc.aliyuncs.com',
      Code: rpc.code,
      Message: rpc.message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(rpc.code)}&product=${productCode}`,
    };
    return { status: rpc.httpStatus, requestId, body: JSON.stringify(body) };
  }

  private record(r: CallRecord): void {
    if (this.log.length < CALL_LOG_LIMIT) this.log.push(r);
    else this.log[this.logNext] = r;
    this.logNext = (this.logNext + 1) % CALL_LOG_LIMIT;
    const name = r.action ?? '(none)';
    const c = this.counts.get(name) ?? { calls: 0, errors: 0 };
    c.calls += 1;
    if (r.code !== undefined) c.errors += 1;
    this.counts.set(name, c);
  }
}

/** Window for which a nonce is remembered; re-exported for docs and tests. */
export { NONCE_WINDOW_MS };

function readParams(req: RpcRequest): Record<string, string> {
  try {
    // POST: pop-core sends everything in the form body; a client may also put some in the query.
    if (req.method.toUpperCase() !== 'POST') return parseFormEncoded(req.query);
    if (req.query === '') return parseFormEncoded(req.body);
    return { ...parseFormEncoded(req.query), ...parseFormEncoded(req.body) };
  } catch {
    throw invalidParameter('QueryString', 'Malformed percent-encoding.');
  }
}

function parseTimestamp(text: string): number {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) throw timestampMalformed();
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw timestampMalformed();
  return ms;
}

/**
 * An error that carries an Alibaba code: the gateway's {@link RpcError}s and the model's
 * `EmulatorApiError`s; anything else is an emulator bug, answered as `InternalError`.
 */
export function asRpcError(err: unknown): EmulatorApiError | undefined {
  return err instanceof EmulatorApiError ? err : undefined;
}
