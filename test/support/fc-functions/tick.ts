/** Timer / EventBridge target: records each event. */
import type { FcContext } from '../../../src/local/fc/index.ts';
import { journal } from './journal.ts';

export async function handler(event: Buffer, context: FcContext): Promise<void> {
  journal.push({ fn: context.function.name, requestId: context.requestId, retryCount: context.retryCount, event: event.toString('utf8') });
}
