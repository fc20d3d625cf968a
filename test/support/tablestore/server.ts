/**
 * A local stand-in of the Tablestore wire protocol, for tests and benchmarks through the real
 * `tablestore` SDK: `POST /<Operation>` with protobuf bodies (the SDK's own `.proto` files),
 * PlainBuffer rows with CRC-8 checksums, `x-ots-*` headers checked (HMAC-SHA1 signature, content
 * MD5, date, instance, access key), errors as non-2xx + protobuf `Error{code,message}`, and
 * `x-ots-requestid` on every response. State is in memory, rows sorted by primary key.
 *
 * Serves: CreateTable, ListTable, DescribeTable, DeleteTable, PutRow, GetRow, UpdateRow, DeleteRow,
 * GetRange, BatchWriteRow, BatchGetRow. See `docs` in the report for what it does not model.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TablestoreInstance } from './instance.ts';
import { REQUEST_TYPES, decodeMessage, encodeMessage, isOperation, type Operation } from './protocol.ts';
import { OtsError, invalid } from './tables.ts';

/** Options of {@link startTablestoreStandin}. */
export interface TablestoreStandinOptions {
  /** Port on 127.0.0.1; 0 (default) lets the OS choose. */
  port?: number;
  accessKeyId: string;
  accessKeySecret: string;
  instanceName: string;
  /** When set, requests must carry this STS token in `x-ots-ststoken` (as FC's credentials do). */
  securityToken?: string;
  /** Clock for cell timestamps, TTL and auto-increment (ms). Defaults to `Date.now`. */
  now?: () => number;
  /** Allowed distance between `x-ots-date` and the wall clock; 15 minutes like the service. */
  maxClockSkewMs?: number;
  /** Data requests each new table refuses with `OTSTableNotReady` before serving; default 0. */
  tableNotReadyRequests?: number;
}

/** An error the stand-in returns instead of running the next matching request. */
export interface InjectedFault {
  /** Only requests for this operation match; any operation when absent. */
  operation?: Operation;
  status: number;
  code: string;
  message: string;
  /** How many matching requests fail; 1 by default. */
  times?: number;
}

/** A running stand-in. */
export interface TablestoreStandin {
  /** `http://127.0.0.1:<port>`, the SDK's `endpoint`. */
  endpoint: string;
  instanceName: string;
  /** Requests served, by operation and by `operation:table`. */
  stats(): { byOperation: Record<string, number>; byTable: Record<string, number> };
  resetStats(): void;
  /** Makes the next matching request(s) fail with the given service error. */
  injectFault(fault: InjectedFault): void;
  /** Table names and row counts. */
  inspect(): Record<string, number>;
  close(): Promise<void>;
}

const REQUIRED_HEADERS = ['x-ots-date', 'x-ots-apiversion', 'x-ots-accesskeyid', 'x-ots-contentmd5', 'x-ots-signature', 'x-ots-instancename'];
const API_VERSION = '2015-12-31';
const MAX_BODY_BYTES = 5 * 1024 * 1024;

function authFailed(message: string): OtsError {
  return new OtsError(403, 'OTSAuthFailed', message);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The string the SDK signs: path, method, empty line, sorted `x-ots-*` headers (signature excluded). */
function stringToSign(path: string, req: IncomingMessage): string {
  const lines = Object.keys(req.headers)
    .filter((h) => h.startsWith('x-ots-') && h !== 'x-ots-signature')
    .sort()
    .map((h) => `${h}:${header(req, h) ?? ''}`);
  return `${path}\nPOST\n\n${lines.join('\n')}\n`;
}

/**
 * Starts the stand-in on 127.0.0.1.
 * @throws when the port cannot be bound.
 */
export async function startTablestoreStandin(opts: TablestoreStandinOptions): Promise<TablestoreStandin> {
  const instance = new TablestoreInstance({ now: opts.now ?? Date.now, tableNotReadyRequests: opts.tableNotReadyRequests ?? 0 });
  const maxSkew = opts.maxClockSkewMs ?? 15 * 60 * 1000;
  const faults: InjectedFault[] = [];
  let byOperation: Record<string, number> = {};
  let byTable: Record<string, number> = {};

  function authenticate(req: IncomingMessage, path: string, body: Buffer): void {
    for (const h of REQUIRED_HEADERS) {
      if (!header(req, h)) throw invalid(`Missing header: ${h}.`);
    }
    const apiVersion = header(req, 'x-ots-apiversion') ?? '';
    if (apiVersion !== API_VERSION) throw invalid(`Unsupported API version: ${apiVersion}.`);
    const date = header(req, 'x-ots-date') ?? '';
    const when = Date.parse(date);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(date) || Number.isNaN(when)) throw invalid(`Invalid date format: ${date}.`);
    // The SDK stamps requests with the wall clock, so skew is checked against it, not opts.now.
    if (Math.abs(Date.now() - when) > maxSkew) throw authFailed(`Mismatch between system time and x-ots-date: ${date}.`);
    if (header(req, 'x-ots-accesskeyid') !== opts.accessKeyId) throw authFailed('The AccessKeyID does not exist.');
    if (header(req, 'x-ots-instancename') !== opts.instanceName) throw authFailed('The instance is not found.');
    if (opts.securityToken !== undefined && header(req, 'x-ots-ststoken') !== opts.securityToken) {
      throw authFailed('The security token is invalid or expired.');
    }
    const expected = createHmac('sha1', opts.accessKeySecret).update(stringToSign(path, req)).digest('base64');
    if (!sameText(expected, header(req, 'x-ots-signature') ?? '')) throw authFailed('Signature mismatch.');
    const md5 = createHash('md5').update(body).digest('base64');
    if (!sameText(md5, header(req, 'x-ots-contentmd5') ?? '')) {
      throw authFailed('Mismatch between MD5 value of request body and x-ots-contentmd5 in header.');
    }
  }

  function dispatch(op: Operation, body: Buffer): Buffer {
    let msg: Record<string, unknown>;
    try {
      msg = decodeMessage<Record<string, unknown>>(REQUEST_TYPES[op], body);
    } catch (e) {
      throw invalid(`Failed to parse the ProtoBuf message: ${(e as Error).message}.`);
    }
    const table = typeof msg.tableName === 'string' ? msg.tableName : undefined;
    byOperation[op] = (byOperation[op] ?? 0) + 1;
    if (table) byTable[`${op}:${table}`] = (byTable[`${op}:${table}`] ?? 0) + 1;
    const fault = faults.find((f) => !f.operation || f.operation === op);
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      throw new OtsError(fault.status, fault.code, fault.message);
    }
    // The decoded message is the shape declared for `op` in protocol.ts (checked by protobufjs).
    const m = msg as never;
    let out: Record<string, unknown>;
    switch (op) {
      case 'CreateTable':
        out = instance.createTable(m);
        break;
      case 'ListTable':
        out = instance.listTable();
        break;
      case 'DescribeTable':
        out = instance.describeTable(m);
        break;
      case 'DeleteTable':
        out = instance.deleteTable(m);
        break;
      case 'PutRow':
        out = instance.putRow(m);
        break;
      case 'GetRow':
        out = instance.getRow(m);
        break;
      case 'UpdateRow':
        out = instance.updateRow(m);
        break;
      case 'DeleteRow':
        out = instance.deleteRow(m);
        break;
      case 'GetRange':
        out = instance.getRange(m);
        break;
      case 'BatchWriteRow':
        out = instance.batchWriteRow(m);
        break;
      case 'BatchGetRow':
        out = instance.batchGetRow(m);
        break;
    }
    return encodeMessage(REQUEST_TYPES[op].replace(/Request$/, 'Response'), out);
  }

  function send(res: ServerResponse, requestId: string, status: number, body: Buffer): void {
    res.writeHead(status, {
      'content-type': 'application/x-protobuf',
      'content-length': String(body.length),
      'x-ots-requestid': requestId,
      'x-ots-date': new Date().toISOString(),
      'x-ots-contenttype': 'protocol buffer',
      'x-ots-contentmd5': createHash('md5').update(body).digest('base64'),
    });
    res.end(body);
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const requestId = randomUUID();
    try {
      if (req.method !== 'POST') throw new OtsError(405, 'OTSMethodNotAllowed', 'Only POST method for requests is supported.');
      if (body.length > MAX_BODY_BYTES) throw new OtsError(413, 'OTSRequestBodyTooLarge', 'The size of POST data is too large.');
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      authenticate(req, path, body);
      const op = path.slice(1);
      if (!isOperation(op)) throw invalid(`Unsupported operation: ${op}.`);
      send(res, requestId, 200, dispatch(op, body));
    } catch (e) {
      const err = e instanceof OtsError ? e : new OtsError(500, 'OTSInternalServerError', `Internal server error: ${(e as Error).message}`);
      send(res, requestId, err.status, encodeMessage('main.proto.Error', { code: err.code, message: err.message }));
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES + 1) chunks.push(c);
    });
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    instanceName: opts.instanceName,
    stats: () => ({ byOperation: { ...byOperation }, byTable: { ...byTable } }),
    resetStats: () => {
      byOperation = {};
      byTable = {};
    },
    injectFault: (fault) => {
      faults.push({ ...fault });
    },
    inspect: () => instance.inspect(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
