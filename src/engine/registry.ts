/**
 * The procedure registry: every registered version of every procedure, so running executions keep
 * the machine they started on while new ones use the latest. Registration checks that a machine
 * is runnable as durable steps (no `invoke`, no `after`, no parallel states, a step on every
 * resting state, known effects, final states with status names).
 */
import type { AnyStateMachine, AnyMachineSnapshot, StateValue } from 'xstate';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { ExecutionStatus, ProcedureDefinition, StepMeta } from './types.ts';

/** Final state names and the execution status each one means. */
export const FINAL_STATUS: Readonly<Record<string, ExecutionStatus>> = {
  Succeeded: 'succeeded',
  Failed: 'failed',
  RolledBack: 'rolled_back',
  Cancelled: 'cancelled',
  Rejected: 'rejected',
  Expired: 'expired',
};

/** Statuses after which an execution never changes again. */
export const TERMINAL_STATUSES: ReadonlySet<ExecutionStatus> = new Set(['succeeded', 'failed', 'rolled_back', 'cancelled', 'rejected', 'expired']);

/** Whether a status is terminal. */
export function isTerminal(status: ExecutionStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** The minimal view of an xstate state node the registry walks (public fields of `StateNode`). */
interface NodeView {
  key: string;
  type: string;
  meta?: unknown;
  states: Record<string, NodeView>;
  invoke: unknown[];
  after: unknown[];
  always?: unknown[];
}

/** Dotted path of the active leaf state of a single-region machine, e.g. `Migrating.AwaitingActive`. */
export function leafPath(value: StateValue): string {
  if (typeof value === 'string') return value;
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new ValidationError(`parallel states are not supported (value ${JSON.stringify(value)})`, { code: 'ParallelState' });
  const child = value[keys[0]];
  return child === undefined ? keys[0] : `${keys[0]}.${leafPath(child as StateValue)}`;
}

function nodeAt(machine: AnyStateMachine, path: string): NodeView | undefined {
  let node = machine.root as unknown as NodeView;
  for (const key of path.split('.')) {
    const next: NodeView | undefined = node.states[key];
    if (!next) return undefined;
    node = next;
  }
  return node;
}

function stepOf(node: NodeView | undefined): StepMeta | undefined {
  const meta = node?.meta as { step?: StepMeta } | undefined;
  return meta?.step;
}

/** The `meta.step` of the state at `path`, if any. */
export function stepMetaAt(machine: AnyStateMachine, path: string): StepMeta | undefined {
  return stepOf(nodeAt(machine, path));
}

/** The status a snapshot maps to when its machine is done, from the final state's name. */
export function finalStatusOf(snapshot: AnyMachineSnapshot): ExecutionStatus {
  const path = leafPath(snapshot.value);
  const name = path.split('.').pop() ?? path;
  return FINAL_STATUS[name] ?? 'failed';
}

function checkMachine(def: ProcedureDefinition<unknown>): string[] {
  const problems: string[] = [];
  const walk = (node: NodeView, path: string): void => {
    if (node.invoke.length > 0) problems.push(`${path}: uses invoke (effects must be named in meta.step)`);
    if (node.after.length > 0) problems.push(`${path}: uses after (waits must be meta.step kind "wait")`);
    if (node.type === 'parallel') problems.push(`${path}: parallel states are not supported`);
    if (node.type === 'final' && !path.includes('.') && !(node.key in FINAL_STATUS)) {
      problems.push(`${path}: final state must be one of ${Object.keys(FINAL_STATUS).join(', ')}`);
    }
    if (node.type === 'atomic' && (node.always?.length ?? 0) === 0) {
      const step = stepOf(node);
      if (!step) problems.push(`${path}: resting state without meta.step`);
      else if (step.kind !== 'approval' && !(step.effect in def.effects)) problems.push(`${path}: unknown effect "${step.effect}"`);
    }
    for (const [key, child] of Object.entries(node.states)) walk(child, path ? `${path}.${key}` : key);
  };
  walk(def.machine.root as unknown as NodeView, '');
  return problems;
}

/** Every version of every procedure the engine can run. */
export class ProcedureRegistry<D = unknown> {
  private readonly byId = new Map<string, Map<number, ProcedureDefinition<D>>>();

  constructor(definitions: Iterable<ProcedureDefinition<D>> = []) {
    for (const def of definitions) this.register(def);
  }

  /**
   * Adds one procedure version.
   * @throws ValidationError code `InvalidProcedure` listing what makes the machine unrunnable,
   * or `DuplicateProcedure` when that id and version are already registered.
   */
  register(def: ProcedureDefinition<D>): void {
    const problems = checkMachine(def as ProcedureDefinition<unknown>);
    if (problems.length > 0) {
      throw new ValidationError(`procedure ${def.id}@${def.version} cannot run as durable steps: ${problems.join('; ')}`, {
        code: 'InvalidProcedure',
      });
    }
    const versions = this.byId.get(def.id) ?? new Map<number, ProcedureDefinition<D>>();
    if (versions.has(def.version)) {
      throw new ValidationError(`procedure ${def.id}@${def.version} is registered twice`, { code: 'DuplicateProcedure' });
    }
    versions.set(def.version, def);
    this.byId.set(def.id, versions);
  }

  /** The newest version of a procedure. @throws NotFoundError code `ProcedureNotFound`. */
  latest(id: string): ProcedureDefinition<D> {
    const versions = this.byId.get(id);
    if (!versions || versions.size === 0) throw new NotFoundError(`no procedure named ${id}`, { code: 'ProcedureNotFound', field: 'procedureId' });
    return versions.get(Math.max(...versions.keys())) as ProcedureDefinition<D>;
  }

  /** One version of a procedure, or undefined when it is no longer registered. */
  get(id: string, version: number): ProcedureDefinition<D> | undefined {
    return this.byId.get(id)?.get(version);
  }

  /** The newest version of each procedure. */
  list(): ProcedureDefinition<D>[] {
    return [...this.byId.keys()].map((id) => this.latest(id));
  }
}
