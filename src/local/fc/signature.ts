/**
 * The FC 2.0 request signature as `@alicloud/fc2` (lib/helper.js, lib/client.js) computes it:
 * `Authorization: FC <AccessKeyID>:<base64 HMAC-SHA256(secret, S)>` with
 * `S = METHOD\nContent-MD5\nContent-Type\nDate\n` + sorted lower-case `x-fc-*:value\n` lines + path,
 * plus, for `/proxy/` paths only, `\n` + sorted `key=value` query lines joined by `\n`.
 * fc2's Content-MD5 is base64 of the *hex* MD5 digest, not of the raw digest.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Why a request was refused, in FC's error vocabulary. */
export interface SignatureFailure {
  status: number;
  code: string;
  message: string;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

/**
 * Builds the string fc2 signs.
 * @param path the request path without query, e.g. `/2016-08-15/services/xcflow/functions/runner/invocations`.
 * @param queries query parameters; pass them only for `/proxy/` paths (fc2 signs them only there).
 */
export function composeStringToSign(
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  queries?: Map<string, string[]>,
): string {
  const fcHeaders = Object.keys(headers)
    .map((k) => k.toLowerCase().trim())
    .filter((k) => k.startsWith('x-fc-'))
    .sort()
    .map((k) => `${k}:${headerValue(headers, k)}\n`)
    .join('');
  let s = `${method}\n${headerValue(headers, 'content-md5')}\n${headerValue(headers, 'content-type')}\n${headerValue(headers, 'date')}\n${fcHeaders}${path}`;
  if (queries) {
    const params: string[] = [];
    for (const [k, values] of queries) for (const v of values) params.push(`${k}=${v}`);
    params.sort();
    s += '\n' + params.join('\n');
  }
  return s;
}

/** `FC <keyId>:<signature>` for the given string to sign. */
export function signFc(accessKeyId: string, accessKeySecret: string, stringToSign: string): string {
  const sig = createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('base64');
  return `FC ${accessKeyId}:${sig}`;
}

/** fc2's Content-MD5: base64 of the hex MD5 string. */
export function fc2ContentMd5(body: Buffer): string {
  return Buffer.from(createHash('md5').update(body).digest('hex'), 'utf8').toString('base64');
}

/**
 * Checks an fc2-signed request. Returns `undefined` when it is valid, else the FC error to answer.
 * The Date header's skew is not checked: tests run on virtual clocks while fc2 stamps wall time.
 */
export function verifyFcRequest(args: {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  queries?: Map<string, string[]>;
  body: Buffer;
  accessKeyId: string;
  accessKeySecret: string;
}): SignatureFailure | undefined {
  const { headers } = args;
  const auth = headerValue(headers, 'authorization');
  if (!auth) return { status: 400, code: 'MissingRequiredHeader', message: 'required HTTP header Authorization was not specified' };
  if (!headerValue(headers, 'date')) return { status: 400, code: 'MissingRequiredHeader', message: 'required HTTP header Date was not specified' };
  const m = /^FC ([^:]+):(.+)$/.exec(auth);
  if (!m || m[1] === undefined || m[2] === undefined) {
    return { status: 403, code: 'SignatureNotMatch', message: 'malformed Authorization header; expected "FC <AccessKeyID>:<Signature>"' };
  }
  if (m[1] !== args.accessKeyId) return { status: 403, code: 'InvalidAccessKeyID', message: `invalid access key ID '${m[1]}'` };
  const md5 = headerValue(headers, 'content-md5');
  if (md5 && args.body.length > 0 && md5 !== fc2ContentMd5(args.body)) {
    return { status: 400, code: 'InvalidArgument', message: 'Content-MD5 does not match the request body' };
  }
  const expected = signFc(args.accessKeyId, args.accessKeySecret, composeStringToSign(args.method, args.path, headers, args.queries));
  const a = Buffer.from(expected);
  const b = Buffer.from(auth);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    return {
      status: 403,
      code: 'SignatureNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your access key and signing method',
    };
  }
  return undefined;
}
