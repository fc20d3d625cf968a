/** Handlers that fail in each way FC distinguishes. */
import { journal } from './journal.ts';
import type { FcContext } from '../../../src/local/fc/index.ts';

/** Throws synchronously: FC reports UnhandledInvocationError. */
export function handler(_event: Buffer, context: FcContext): void {
  journal.push({ fn: context.function.name, requestId: context.requestId, retryCount: context.retryCount, event: '' });
  throw new Error('boom');
}

/** Passes an error to the callback: FC reports HandledInvocationError. */
export function handled(_event: Buffer, _context: FcContext, callback: (err: unknown) => void): void {
  callback(new RangeError('handled oops'));
}

/** Rejects: FC reports UnhandledInvocationError. */
export async function rejects(): Promise<never> {
  throw new TypeError('async boom');
}

/** Never finishes: the stand-in's timeout answers for it. */
export function hangs(): Promise<never> {
  return new Promise<never>(() => undefined);
}
