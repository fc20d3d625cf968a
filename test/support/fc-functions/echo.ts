/** Callback-style FC event handler that answers with what it received. */
import type { FcContext } from '../../../src/local/fc/index.ts';
import { journal } from './journal.ts';

export function handler(event: Buffer, context: FcContext, callback: (err: unknown, result?: unknown) => void): void {
  journal.push({ fn: context.function.name, requestId: context.requestId, retryCount: context.retryCount, event: event.toString('utf8') });
  context.logger.info('echo got %d bytes', event.length);
  callback(null, {
    isBuffer: Buffer.isBuffer(event),
    text: event.toString('utf8'),
    requestId: context.requestId,
    function: context.function,
    service: context.service.name,
    region: context.region,
    accountId: context.accountId,
    retryCount: context.retryCount,
    accessKeyId: context.credentials.accessKeyId,
    envGreeting: process.env.ECHO_GREETING ?? null,
  });
}

/** Promise-style handler returning a string. */
export async function upper(event: Buffer): Promise<string> {
  return event.toString('utf8').toUpperCase();
}

let initCount = 0;

/** Initializer `(context, callback)`; counts its runs. */
export function init(_context: FcContext, callback: (err?: unknown) => void): void {
  initCount++;
  callback();
}

/** Reports how many times `init` ran. */
export async function initRuns(): Promise<number> {
  return initCount;
}
