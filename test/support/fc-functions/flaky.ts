/** Async handler that fails the first `failTimes` deliveries of each `key`, then succeeds. */
import type { FcContext } from '../../../src/local/fc/index.ts';
import { attempts, journal } from './journal.ts';

export async function handler(event: Buffer, context: FcContext): Promise<string> {
  const text = event.toString('utf8');
  journal.push({ fn: context.function.name, requestId: context.requestId, retryCount: context.retryCount, event: text });
  const { key, failTimes } = JSON.parse(text) as { key: string; failTimes: number };
  const n = (attempts.get(key) ?? 0) + 1;
  attempts.set(key, n);
  if (n <= failTimes) throw new Error(`failing attempt ${n} of ${key}`);
  return 'ok';
}
