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
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    const body = await readBody(req);
    if (body === undefined) {
      send(res, 413, { error: { code: 'PayloadTooLarge', message: `request body exceeds ${MAX_BODY_BYTES} bytes` } });
      return;
    }
    if (url.pathname === '/_emulator' || url.pathname.startsWith('/_emulator/')) {
      const answer = handleControl(opts.control, req.method ?? 'GET', url.pathname, url.searchParams, body);
      send(res, answer.status, answer.body);
      return;
    }
    const rawQuery = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1) : '';
    const answer = await opts.gateway.handle({ method: req.method ?? 'GET', path: url.pathname, query: rawQuery, body });
    res.writeHead(answer.status, {
      'content-type': 'application/json;charset=utf-8',
      'content-length': Buffer.byteLength(answer.body),
      'x-acs-request-id': answer.requestId,
    });
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

/** The whole body as UTF-8, or undefined when it is too large. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
