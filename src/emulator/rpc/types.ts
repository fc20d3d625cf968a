/**
 * The dispatch contract between the RPC gateway and the per-product action modules
 * (`src/emulator/actions/{vpc,cbn,ecs}.ts`): one handler per Action, chosen by (Version, Action).
 */
import type { RpcParams } from './params.ts';

/** Products the emulator serves, by their POP product code. */
export type ProductName = 'Vpc' | 'Cbn' | 'Ecs';

/** What a handler sees of one authenticated request. */
export interface ActionContext {
  readonly product: ProductName;
  readonly action: string;
  readonly params: RpcParams;
  readonly requestId: string;
  readonly accessKeyId: string;
  /**
   * UID of the account the AccessKey pair belongs to; `''` for a pair given without one, which
   * acts for the model's default account.
   */
  readonly accountId: string;
  /**
   * `DryRun=true` was sent. A write handler validates everything, then returns without changing
   * anything; the gateway answers `DryRunOperation` for every dry run that does not throw.
   */
  readonly dryRun: boolean;
}

/** The action's response fields (the gateway adds `RequestId`). */
export type ActionResult = Record<string, unknown>;

/** One Action. Throws an error with an Alibaba `code` (RpcError or a model error) to refuse. */
export type ActionHandler = (ctx: ActionContext) => ActionResult | Promise<ActionResult>;

/** The dispatch table of one product version. */
export interface ProductApi {
  readonly product: ProductName;
  readonly version: string;
  /** Used as `HostId` in error bodies, e.g. `vpc.aliyuncs.com`. */
  readonly host: string;
  readonly actions: Readonly<Record<string, ActionHandler>>;
}

/** Whether an action changes state (everything but `Describe…`/`List…`/`Get…`). */
export function isWriteAction(action: string): boolean {
  return !/^(Describe|List|Get|Query)/.test(action);
}
