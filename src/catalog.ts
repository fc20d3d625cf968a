/**
 * The procedures this deployment runs, each with its planner when it has one. Every function
 * (`api`, `runner`, `sweep`, `audit`, `events`) builds its engine from this list, so a procedure
 * is registered in exactly one place: add one entry here when its workflow lands under
 * `workflows/<id>/` (issues 4, 5, 7).
 */
import type { CloudClients } from './cloud/index.ts';
import type { ProcedureDefinition } from './engine/types.ts';
import type { Planner } from './api/planners.ts';

/** What effects and planners of the registered procedures receive: the typed cloud clients. */
export type ProcedureDeps = CloudClients;

/** One registered procedure. */
export interface CatalogEntry<D = ProcedureDeps> {
  procedure: ProcedureDefinition<D>;
  /** Answers `POST /v1/plans` for this procedure. */
  planner?: Planner<D>;
}

/** Every registered procedure (all versions still running somewhere). */
export const CATALOG: readonly CatalogEntry[] = [];
