/**
 * Adapters that put the fetch-style app behind real servers: node:http (tests, local tools) and
 * the FC 2.0 HTTP trigger `(req, resp, context)` (`functions/api.ts`; the local stand-in calls it
 * the same way). Request bodies are streamed in and cut just past the app's limit, so an oversized
 * body is answered `413` without being held in memory.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { App } from './app.ts';
import { json } from './http.ts';
import { BODY_LIMIT_BYTES } from './validation.ts';

/** A running node:http server of an app. */
export interface ServedApp {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

async function writeNodeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, { ...headers, 'content-length': String(body.byteLength) });
  res.end(body);
}

function toRequest(req: IncomingMessage, base: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', base), {
    method,
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  } as RequestInit);
}

/**
 * Serves `app` with node:http on `host:port` (default 127.0.0.1, port 0 = any free port).
 * @throws the listen error (e.g. EADDRINUSE).
 */
export async function serveApp(app: App, opts: { port?: number; host?: string } = {}): Promise<ServedApp> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    const base = `http://${req.headers.host ?? host}`;
    void (async () => {
      try {
        await writeNodeResponse(res, await app.fetch(toRequest(req, base)));
      } catch (err) {
        // app.fetch never throws; this is a broken socket or a malformed request line.
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(String((err as Error).message ?? err));
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The parts of FC 2.0's HTTP `req` the adapter uses (a readable stream of the body). */
export interface FcHttpRequestLike extends AsyncIterable<unknown> {
  headers: Record<string, string | string[] | undefined>;
  /** Path after the trigger URL (or the whole path on a custom domain). */
  path: string;
  queries?: Record<string, string | string[]>;
  method: string;
}

/** The parts of FC 2.0's HTTP `resp` the adapter uses. */
export interface FcHttpResponseLike {
  setStatusCode(code: number): void;
  setHeader(name: string, value: string): void;
  send(body: Buffer | string): void;
}

/** The parts of FC's `context` the adapter uses. */
export interface FcContextLike {
  requestId?: string;
}

async function readCapped(stream: AsyncIterable<unknown>, cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    if (size >= cap) continue; // keep draining, stop keeping
    const take = b.subarray(0, cap - size);
    chunks.push(take);
    size += take.byteLength;
  }
  return Buffer.concat(chunks);
}

/**
 * An FC 2.0 HTTP handler serving the app: `export const handler = createFcHttpHandler(getApp)`.
 * `getApp` gets FC's `context` (credentials, account, region) and may cache what it builds.
 */
export function createFcHttpHandler<C extends FcContextLike>(
  getApp: (context: C) => Promise<App>,
  opts: { bodyLimit?: number } = {},
): (req: FcHttpRequestLike, resp: FcHttpResponseLike, context: C) => Promise<void> {
  const cap = (opts.bodyLimit ?? BODY_LIMIT_BYTES) + 1;
  return async (req, resp, context) => {
    let response: Response;
    try {
      const app = await getApp(context);
      const method = req.method.toUpperCase();
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries(req.queries ?? {})) for (const one of Array.isArray(v) ? v : [v]) search.append(k, one);
      const host = typeof req.headers.host === 'string' ? req.headers.host : 'fc.invalid';
      const url = new URL(`${req.path.startsWith('/') ? req.path : `/${req.path}`}${search.size > 0 ? `?${search}` : ''}`, `http://${host}`);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
      }
      const hasBody = method !== 'GET' && method !== 'HEAD';
      const body = hasBody ? await readCapped(req, cap) : undefined;
      response = await app.fetch(new Request(url, { method, headers, ...(body ? { body: new Uint8Array(body) } : {}) }), context.requestId ? { requestId: context.requestId } : {});
    } catch (err) {
      // Building the app failed: the function is misconfigured (missing store settings…). Say so
      // in the API's error shape, and in the function log.
      const message = err instanceof Error ? err.message : String(err);
      console.error(`xcflow api: cannot serve: ${err instanceof Error ? (err.stack ?? message) : message}`);
      response = json(503, { error: { code: 'ServerMisconfigured', message: `the API cannot serve requests: ${message}` } });
    }
    resp.setStatusCode(response.status);
    response.headers.forEach((value, name) => {
      if (name !== 'content-length') resp.setHeader(name, value);
    });
    resp.send(Buffer.from(await response.arrayBuffer()));
  };
}

