/**
 * The emulator's HTTP server on loopback (node:http): `/` speaks POP RPC (GET query or POST
 * form body) through the gateway; `/_emulator/...` is the control API. Keep-alive stays open
 * longer than a client's idle sockets so pooled pop-core connections are not reset mid-use.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleControl, type ControlTarget } from './control.ts';
import type { RpcGateway } from './rpc/gateway.ts';

/** Largest request body accepted (snapshots of big route tables are the largest). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Options of {@link listen}. */
export interface ServeOptions {
  readonly gateway: RpcGateway;
  readonly control: ControlTarget;
  readonly host?: string;
  /** 0 = any free port. */
  readonly port?: number;
}

/** A listening server. */
export interface ListeningServer {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** `http://host:port` — what a pop-core client takes as `endpoint`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Starts the HTTP server. @throws the listen error (e.g. EADDRINUSE) */
export async function listen(opts: ServeOptions): Promise<ListeningServer> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    void route(opts, req, res);
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    host,
    port,
    endpoint: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function route(opts: ServeOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    // The RPC hot path splits the target by hand: a WHATWG URL per call costs more than the split.
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const rawQuery = q < 0 ? '' : target.slice(q + 1);
    const body = hasBody(req) ? await readBody(req) : '';
    if (body === undefined) {
      send(res, 413, { error: { code: 'PayloadTooLarge', message: `request body exceeds ${MAX_BODY_BYTES} bytes` } });
      return;
    }
    if (path === '/_emulator' || path.startsWith('/_emulator/')) {
      const url = new URL(target, 'http://emulator.local');
      const answer = handleControl(opts.control, req.method ?? 'GET', url.pathname, url.searchParams, body);
      send(res, answer.status, answer.body);
      return;
    }
    const answer = await opts.gateway.handle({ method: req.method ?? 'GET', path, query: rawQuery, body });
    // Flat header list: no header object to walk; the body goes out with the head in one write.
    res.writeHead(answer.status, ['content-type', 'application/json;charset=utf-8', 'content-length', String(Buffer.byteLength(answer.body)), 'x-acs-request-id', answer.requestId]);
    res.end(answer.body);
  } catch (err) {
    console.error('emulator: request failed', err);
    if (!res.headersSent) send(res, 500, { error: { code: 'InternalError', message: 'request failed' } });
    else res.destroy();
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Whether the request announces a body (a GET from pop-core does not: nothing to wait for). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The whole body as UTF-8, or undefined when it is too large. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let rest: Buffer[] | undefined;
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else if (first === undefined) first = c;
      else (rest ??= [first]).push(c);
    });
    req.on('end', () => {
      if (tooLarge) resolve(undefined);
      // A form body fits one chunk almost always: decode it without concatenating.
      else resolve(rest ? Buffer.concat(rest).toString('utf8') : (first?.toString('utf8') ?? ''));
    });
    req.on('error', reject);
  });
}
