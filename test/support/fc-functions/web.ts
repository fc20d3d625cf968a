/** FC 2.0 HTTP handler `(req, resp, context)` that echoes the request. */
import type { FcContext, FcHttpRequest, FcHttpResponse } from '../../../src/local/fc/index.ts';

export async function handler(req: FcHttpRequest, resp: FcHttpResponse, context: FcContext): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const streamed = Buffer.concat(chunks).toString('utf8');
  const status = typeof req.queries.status === 'string' ? Number(req.queries.status) : 200;
  resp.setStatusCode(status);
  resp.setHeader('content-type', 'application/json');
  resp.setHeader('x-test', 'yes');
  resp.setHeader('x-fc-hidden', 'dropped by FC');
  resp.setHeader('x-removed', 'soon gone');
  resp.deleteHeader('X-Removed');
  resp.send(
    JSON.stringify({
      method: req.method,
      path: req.path,
      url: req.url,
      queries: req.queries,
      body: req.body.toString('utf8'),
      streamed,
      header: req.headers['x-custom'] ?? null,
      clientIP: req.clientIP,
      function: context.function.name,
    }),
  );
}
