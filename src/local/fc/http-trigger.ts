/**
 * The FC 2.0 HTTP trigger objects: `req` (a readable stream of the body that also carries
 * `headers`, `path`, `queries`, `method`, `clientIP`, `url` and `body`) and `resp`
 * (`setStatusCode`, `setHeader`, `deleteHeader`, `send`). Response headers starting with `x-fc-`
 * and hop-by-hop headers are dropped, as FC drops them.
 */
import { Readable } from 'node:stream';

/** The `req` object of an FC 2.0 HTTP handler. */
export interface FcHttpRequest extends Readable {
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Path after the function (trigger URL) or the whole path (root mount), URL-decoded. */
  path: string;
  /** Query parameters; repeated keys give arrays. */
  queries: Record<string, string | string[]>;
  method: string;
  clientIP: string;
  /** Path and query as requested. */
  url: string;
  /** The whole body, also readable from the stream. */
  body: Buffer;
}

/** The `resp` object of an FC 2.0 HTTP handler. */
export interface FcHttpResponse {
  setStatusCode(code: number): void;
  setHeader(name: string, value: string | number | string[]): void;
  deleteHeader(name: string): void;
  send(body?: Buffer | string | Readable): void;
  /** Stand-in internal: registers what to do once `send` has the whole body (or failed reading a stream). */
  onSent(ok: () => void, fail: (err: unknown) => void): void;
}

/** What a handler produced through `resp`. */
export interface CapturedResponse {
  status: number;
  headers: [string, string | string[]][];
  body: Buffer;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'content-length',
]);

/** Builds `req` from what the Node server received. */
export function createFcRequest(args: {
  method: string;
  path: string;
  url: string;
  rawHeaders: Record<string, string | string[] | undefined>;
  search: URLSearchParams;
  clientIP: string;
  body: Buffer;
}): FcHttpRequest {
  const stream = Readable.from([args.body], { objectMode: false }) as FcHttpRequest;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(args.rawHeaders)) {
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  const queries: Record<string, string | string[]> = {};
  for (const [k, v] of args.search) {
    const prev = queries[k];
    if (prev === undefined) queries[k] = v;
    else queries[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return Object.assign(stream, {
    headers,
    path: args.path,
    queries,
    method: args.method,
    clientIP: args.clientIP,
    url: args.url,
    body: args.body,
  });
}

/** Builds `resp` and a promise of what the handler sends. */
export function createFcResponse(): { resp: FcHttpResponse; captured: () => CapturedResponse | undefined } {
  let status = 200;
  const headers = new Map<string, [string, string | string[]]>();
  let result: CapturedResponse | undefined;
  let sent = false;
  let onOk: () => void = () => undefined;
  let onFail: (err: unknown) => void = () => undefined;

  const finish = (body: Buffer): void => {
    result = {
      status,
      headers: [...headers.values()].filter(([name]) => {
        const lower = name.toLowerCase();
        return !lower.startsWith('x-fc-') && !HOP_BY_HOP.has(lower);
      }),
      body,
    };
    onOk();
  };

  const resp: FcHttpResponse = {
    setStatusCode(code: number): void {
      if (!Number.isInteger(code) || code < 100 || code > 599) throw new TypeError(`invalid status code ${String(code)}`);
      status = code;
    },
    setHeader(name: string, value: string | number | string[]): void {
      headers.set(name.toLowerCase(), [name, Array.isArray(value) ? value.map(String) : String(value)]);
    },
    deleteHeader(name: string): void {
      headers.delete(name.toLowerCase());
    },
    send(body?: Buffer | string | Readable): void {
      if (sent) return;
      sent = true;
      if (body === undefined || body === null) finish(Buffer.alloc(0));
      else if (typeof body === 'string') finish(Buffer.from(body, 'utf8'));
      else if (Buffer.isBuffer(body)) finish(body);
      else if (body instanceof Readable) {
        const chunks: Buffer[] = [];
        body.on('data', (c: Buffer | string) => chunks.push(typeof c === 'string' ? Buffer.from(c) : c));
        body.on('end', () => finish(Buffer.concat(chunks)));
        body.on('error', (err) => onFail(err));
      } else throw new TypeError('resp.send takes a Buffer, a string or a readable stream');
    },
    onSent(ok: () => void, fail: (err: unknown) => void): void {
      onOk = ok;
      onFail = fail;
      if (result) ok();
    },
  };
  return { resp, captured: () => result };
}
