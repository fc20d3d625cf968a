/** A runner handler for tests: advances the engine the test installed by one step per message. */
import type { Engine } from '../../../src/engine/engine.ts';
import type { StepMessage } from '../../../src/engine/scheduler.ts';

let current: Engine | undefined;

/** Installs the engine the handler drives (undefined to remove it). */
export function useEngine(engine: Engine | undefined): void {
  current = engine;
}

export async function handler(event: Buffer): Promise<void> {
  if (!current) throw new Error('no engine installed');
  await current.advance(JSON.parse(event.toString('utf8')) as StepMessage);
}
