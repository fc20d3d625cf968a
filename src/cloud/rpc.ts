/**
 * The one place xcflow talks to Alibaba Cloud OpenAPI: a thin layer over `@alicloud/pop-core`'s
 * RPCClient (signature 1.0, POST form bodies) that times every call, reports it to observers as a
 * `CloudCallRecord`, and turns every failure into a classified `CloudApiError` whose message never
 * carries the signed URL, the AccessKeyId or the STS token (alibaba-api.md §2–3, §7).
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import RPCClient from '@alicloud/pop-core';
import type { CloudCallRecord, Json, JsonObject } from '../engine/types.ts';
import { ValidationError } from '../errors.ts';
import { classifyCloudError, isCloudApiError, makeCloudApiError, type CloudApiError } from './errors.ts';

/** Alibaba product codes xcflow calls. */
export type CloudProduct = 'Vpc' | 'Cbn' | 'Ecs';

/** All products, in a fixed order. */
export const CLOUD_PRODUCTS: readonly CloudProduct[] = ['Vpc', 'Cbn', 'Ecs'];

/** OpenAPI version per product (alibaba-api.md §1). */
export const API_VERSIONS: Readonly<Record<CloudProduct, string>> = {
  Vpc: '2016-04-28',
  Cbn: '2017-09-12',
  Ecs: '2014-05-26',
};

// Regions whose VPC / ECS APIs are served by the shared endpoint (alibaba-cloud-sdk-go
// services/{vpc,ecs}/endpoint.go); every other region has its own `<product>.<region>` host.
const SHARED_ENDPOINT_REGIONS = new Set([
  'cn-hangzhou',
  'cn-shanghai',
  'cn-beijing',
  'cn-shenzhen',
  'cn-qingdao',
  'cn-hongkong',
  'ap-southeast-1',
  'us-east-1',
  'us-west-1',
]);

/** The public HTTPS endpoint of a product for a region. CEN is central (`cbn.aliyuncs.com`). */
export function defaultEndpoint(product: CloudProduct, regionId: string): string {
  switch (product) {
    case 'Cbn':
      return 'https://cbn.aliyuncs.com';
    case 'Vpc':
      return SHARED_ENDPOINT_REGIONS.has(regionId) ? 'https://vpc.aliyuncs.com' : `https://vpc.${regionId}.aliyuncs.com`;
    case 'Ecs':
      return SHARED_ENDPOINT_REGIONS.has(regionId)
        ? 'https://ecs-cn-hangzhou.aliyuncs.com'
        : `https://ecs.${regionId}.aliyuncs.com`;
  }
}

/** An AccessKey pair, optionally with an STS token. */
export interface CloudCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS security token, when the key pair is temporary. */
  securityToken?: string;
}

/** Receives one record per cloud call, success or failure (the engine journals them). */
export interface CloudCallObserver {
  onCloudCall(call: CloudCallRecord): void;
}

/** A request parameter value before flattening: arrays become RepeatLists (`Key.1`, `Key.1.Sub`). */
export type WireValue = string | number | boolean | null | undefined | WireValue[] | { [key: string]: WireValue };

/** Request parameters in Alibaba's PascalCase, before flattening. */
export type WireParams = { [key: string]: WireValue };

/** A parsed JSON answer body (PascalCase, as Alibaba sends it). */
export type WireBody = { [key: string]: unknown };

/**
 * Flattens parameters the way Alibaba RPC expects: arrays to 1-based RepeatLists
 * (`NextHopList.1.NextHopId`, `Filter.1.Value.1`), objects to dotted keys, booleans to
 * `true`/`false`; `undefined` and `null` are left out. Done here rather than by pop-core so that
 * objects at the top level and booleans are encoded deliberately, not as `[object Object]`.
 */
export function flattenParams(params: WireParams): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (key: string, value: WireValue): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => put(`${key}.${i + 1}`, item));
    } else if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) put(`${key}.${k}`, v);
    } else {
      out[key] = String(value);
    }
  };
  for (const [key, value] of Object.entries(params)) put(key, value);
  return out;
}

const SECRET_KEY = /(secret|password|passwd|authkey|securitytoken|signature|accesskeyid)/i;
const MAX_SUMMARY_STRING = 200;

/**
 * A short, secret-free JSON summary of request parameters for the journal: keys that name
 * secrets are replaced by `"***"`, long strings (command scripts) are cut to 200 characters.
 */
export function summarizeParams(params: WireParams): JsonObject {
  const conv = (key: string, value: WireValue): Json | undefined => {
    if (value === undefined) return undefined;
    if (SECRET_KEY.test(key)) return '***';
    if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
    if (typeof value === 'string') {
      return value.length > MAX_SUMMARY_STRING
        ? `${value.slice(0, MAX_SUMMARY_STRING)}…(${value.length} chars)`
        : value;
    }
    if (Array.isArray(value)) return value.map((v) => conv(key, v) ?? null);
    const obj: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const c = conv(k, v);
      if (c !== undefined) obj[k] = c;
    }
    return obj;
  };
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(params)) {
    const c = conv(k, v);
    if (c !== undefined) out[k] = c;
  }
  return out;
}

/** Removes query strings, AccessKeyIds, tokens and signatures from text bound for a log. */
export function scrubSecrets(text: string): string {
  return text
    .replace(/,?\s*URL:\s*\S+/g, '')
    .replace(/(https?:\/\/[^\s?]+)\?\S*/g, '$1?<redacted>')
    // Also percent-encoded pairs: a SignatureDoesNotMatch message echoes the StringToSign.
    .replace(/(AccessKeyId|SecurityToken|Signature|AccessKeySecret)(=|%3D|%253D)(.*?)(?=&|%26|%2526|\s|$)/gi, '$1$2<redacted>');
}

/** Options for {@link RpcConnection}. */
export interface RpcConnectionOptions {
  /** Endpoint per product, `http(s)://host[:port]`. Locally all three are the emulator's. */
  endpoints: Readonly<Record<CloudProduct, string>>;
  credentials: CloudCredentials;
  /** Connect and read timeout per call in ms (pop-core's default 3000 is short for writes). Default 10000. */
  timeoutMs?: number;
  /** Keep-alive agents to share with other connections (other regions); made here when absent. */
  agents?: KeepAliveAgents;
}

/** Keep-alive agents, one per protocol, shared by every pop-core client of a process. */
export interface KeepAliveAgents {
  http: http.Agent;
  https: https.Agent;
}

/** New keep-alive agents. */
export function createKeepAliveAgents(): KeepAliveAgents {
  return {
    http: new http.Agent({ keepAlive: true, keepAliveMsecs: 3000 }),
    https: new https.Agent({ keepAlive: true, keepAliveMsecs: 3000 }),
  };
}

// The part of pop-core's RPCClient we use; its bundled d.ts omits the `verbose` flag.
interface PopCoreClient {
  request(action: string, params: Record<string, string>, opts: Record<string, unknown>): Promise<unknown>;
}
type PopCoreConstructor = new (config: Record<string, unknown>, verbose: boolean) => PopCoreClient;

interface VerboseEntry {
  response?: { statusCode?: number };
}

/**
 * The shared connection: one pop-core client per product, one keep-alive agent per protocol.
 * Cheap views bound to a product and a set of observers are made with {@link RpcConnection.caller}.
 */
export class RpcConnection {
  readonly endpoints: Readonly<Record<CloudProduct, string>>;
  private readonly clients = new Map<CloudProduct, PopCoreClient>();
  private readonly timeoutMs: number;
  private readonly agents: KeepAliveAgents;

  /** @throws ValidationError when an endpoint is not `http(s)://…` or credentials are missing */
  constructor(options: RpcConnectionOptions) {
    const { credentials } = options;
    if (!credentials.accessKeyId || !credentials.accessKeySecret) {
      throw new ValidationError('cloud credentials need an AccessKey id and secret', { code: 'MissingCredentials' });
    }
    this.endpoints = { ...options.endpoints };
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.agents = options.agents ?? createKeepAliveAgents();
    const Ctor = RPCClient as unknown as PopCoreConstructor;
    for (const product of CLOUD_PRODUCTS) {
      const endpoint = this.endpoints[product];
      if (!/^https?:\/\/[^/]/.test(endpoint ?? '')) {
        throw new ValidationError(`endpoint for ${product} must start with http:// or https://: ${endpoint}`, {
          code: 'InvalidEndpoint',
          field: `endpoints.${product}`,
        });
      }
      this.clients.set(
        product,
        new Ctor(
          {
            endpoint,
            apiVersion: API_VERSIONS[product],
            accessKeyId: credentials.accessKeyId,
            accessKeySecret: credentials.accessKeySecret,
            ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
          },
          true,
        ),
      );
    }
  }

  /** A function that calls `product`'s actions and reports each call to `observers`. */
  caller(product: CloudProduct, observers: readonly CloudCallObserver[]): RpcCall {
    return (action, params) => this.call(product, action, params, observers);
  }

  /**
   * Calls one action. Resolves with the parsed body; rejects with a {@link CloudApiError}.
   * Every call, either way, is reported to each observer (observer failures are ignored: the
   * journal must never break a cloud call).
   */
  async call(
    product: CloudProduct,
    action: string,
    params: WireParams,
    observers: readonly CloudCallObserver[] = [],
  ): Promise<WireBody> {
    const client = this.clients.get(product);
    if (!client) throw new ValidationError(`unknown cloud product ${product}`, { code: 'UnknownProduct' });
    const started = performance.now();
    const report = (requestId: string | undefined, errorCode: string | undefined): void => {
      const record: CloudCallRecord = {
        product,
        action,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        params: summarizeParams(params),
        ...(requestId ? { requestId } : {}),
        ...(errorCode ? { errorCode } : {}),
      };
      for (const o of observers) {
        try {
          o.onCloudCall(record);
        } catch {
          // An observer is a journal; its failure must not turn a done cloud change into an error.
        }
      }
    };
    const agent = this.endpoints[product].startsWith('https://') ? this.agents.https : this.agents.http;
    let body: WireBody;
    try {
      const answer = await client.request(action, flattenParams(params), {
        method: 'POST',
        timeout: this.timeoutMs,
        agent,
        formatParams: false,
      });
      const [json, entry] = answer as [unknown, VerboseEntry];
      body = isObject(json) ? json : {};
      const status = entry?.response?.statusCode;
      // pop-core ignores the HTTP status; an error status without a `Code` is still an error.
      if (status !== undefined && status >= 400) {
        throw toCloudApiError(product, action, { code: `Http${status}`, data: body, entry });
      }
    } catch (err) {
      const e = isCloudApiError(err) ? err : toCloudApiError(product, action, err);
      report(e.requestId, e.code);
      throw e;
    }
    const requestId = typeof body.RequestId === 'string' ? body.RequestId : undefined;
    report(requestId, undefined);
    return body;
  }

  /** Closes the keep-alive sockets (tests and short-lived CLIs call this before exit). */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/** A call to one product's actions, bound to observers. */
export type RpcCall = (action: string, params: WireParams) => Promise<WireBody>;

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'HPE_INVALID_CONSTANT',
]);

function isObject(v: unknown): v is { [key: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Converts anything a pop-core call throws into a classified {@link CloudApiError}. Messages are
 * rebuilt from the body's `Message`, never from pop-core's message, which ends in the signed URL.
 */
export function toCloudApiError(product: CloudProduct, action: string, err: unknown): CloudApiError {
  if (isObject(err) && err.name !== 'SyntaxError' && typeof err.code === 'string' && isObject(err.data)) {
    // pop-core: the answer carried a `Code`; `data` is the whole body.
    const data = err.data;
    const code = err.code;
    const entry = isObject(err.entry) ? err.entry : undefined;
    const response = entry && isObject(entry.response) ? entry.response : undefined;
    const httpStatus = response && typeof response.statusCode === 'number' ? response.statusCode : undefined;
    const requestId = str(data.RequestId);
    const errorClass = classifyCloudError(code, httpStatus);
    const text = scrubSecrets(str(data.Message) ?? 'no message');
    return makeCloudApiError(`${product} ${action} failed: ${code}: ${text}${requestId ? ` (RequestId ${requestId})` : ''}`, {
      code,
      requestId,
      product,
      action,
      errorClass,
      httpStatus,
      hostId: str(data.HostId),
      recommend: str(data.Recommend),
    });
  }
  // json-bigint throws plain `{ name: 'SyntaxError', message }` objects, not Errors.
  const e =
    err instanceof Error
      ? err
      : isObject(err) && typeof err.name === 'string'
        ? Object.assign(new Error(String(err.message ?? '')), { name: err.name })
        : new Error(String(err));
  const errno = isObject(err) && typeof err.code === 'string' ? err.code : undefined;
  let code: string;
  if (e.name === 'RequestTimeoutError') code = 'RequestTimeout';
  else if (e.name === 'SyntaxError') code = 'InvalidResponse';
  else if (errno && NETWORK_CODES.has(errno)) code = 'NetworkError';
  else if (errno?.startsWith('E')) code = 'NetworkError';
  else code = 'ClientError';
  // httpx appends "POST <url> failed." to the message without a separator.
  const text = e.message.replace(/(\S)((?:GET|POST) https?:)/, '$1. $2');
  const detail = scrubSecrets(`${e.name}${errno ? ` ${errno}` : ''}: ${text}`);
  return makeCloudApiError(`${product} ${action} failed: ${code}: ${detail}`, {
    code,
    product,
    action,
    // A request the client could not even build will not get better by retrying.
    errorClass: code === 'ClientError' ? 'terminal' : 'network',
  });
}
