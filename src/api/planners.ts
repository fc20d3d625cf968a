/**
 * Planners: what `POST /v1/plans` runs. A procedure that can say in advance what it will do (the
 * API calls, the route tables before and after, conflicts, the predicted blackout) registers a
 * planner under its procedure id. A planner reads cloud state and never changes anything.
 * Procedures without a planner answer `404 PlannerNotFound`; there is no generic fake plan.
 */
import { NotFoundError, ValidationError } from '../errors.ts';
import type { JsonObject, ProcedureDefinition } from '../engine/types.ts';

/** What a planner receives. */
export interface PlanInput<D> {
  /** The procedure definition the plan is for (latest version). */
  procedure: ProcedureDefinition<unknown>;
  /** Parameters, already checked against the procedure's schema and its own `validate`. */
  params: JsonObject;
  /** The same dependencies effects get (cloud clients), observed so the cloud calls are reported. */
  deps: D;
  /** Milliseconds since the epoch. */
  now: number;
  /** Who asks. */
  requestedBy: string;
}

/** Computes a plan: read-only, returns plain JSON. */
export type Planner<D> = (input: PlanInput<D>) => Promise<JsonObject>;

/** Planners by procedure id. */
export class PlannerRegistry<D = unknown> {
  private readonly byId = new Map<string, Planner<D>>();

  constructor(entries: Iterable<readonly [string, Planner<D>]> = []) {
    for (const [id, planner] of entries) this.register(id, planner);
  }

  /**
   * Registers the planner of a procedure.
   * @throws ValidationError `DuplicatePlanner` when one is already registered for the id.
   */
  register(procedureId: string, planner: Planner<D>): void {
    if (this.byId.has(procedureId)) throw new ValidationError(`a planner for ${procedureId} is registered twice`, { code: 'DuplicatePlanner' });
    this.byId.set(procedureId, planner);
  }

  /** Whether the procedure has a planner. */
  has(procedureId: string): boolean {
    return this.byId.has(procedureId);
  }

  /** The planner of a procedure. @throws NotFoundError `PlannerNotFound`. */
  get(procedureId: string): Planner<D> {
    const planner = this.byId.get(procedureId);
    if (!planner) {
      throw new NotFoundError(`procedure ${procedureId} has no planner: it cannot be planned in advance`, { code: 'PlannerNotFound', field: 'procedureId' });
    }
    return planner;
  }

  /** Ids of procedures with a planner. */
  ids(): string[] {
    return [...this.byId.keys()].sort();
  }
}
