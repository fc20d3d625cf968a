/**
 * What an effect reads from its input: the machine's context (the engine hands it over as plain
 * JSON; the procedure's machine gave it its shape) and the plan its planning step stored there.
 */
import type { EffectInput } from '../../src/engine/types.ts';

/** Readers of the context and the plan, typed for one procedure (`C` is its machine context). */
export interface ContextReaders<C extends { plan: unknown }> {
  ctxOf(input: EffectInput): C;
  /** @throws Error when no plan is in context yet (a step ran before planning: a machine bug) */
  planOf(input: EffectInput): NonNullable<C['plan']>;
}

/** The {@link ContextReaders} of a procedure whose machine context is `C`. */
export function contextReaders<C extends { plan: unknown }>(): ContextReaders<C> {
  const ctxOf = (input: EffectInput): C => input.context as unknown as C;
  return {
    ctxOf,
    planOf(input) {
      const plan = ctxOf(input).plan;
      if (plan === null || plan === undefined) throw new Error(`${input.step}: no plan in context`);
      return plan as NonNullable<C['plan']>;
    },
  };
}
