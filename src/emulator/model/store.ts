/**
 * `ModelCore`: the state every sub-model shares (maps keyed by id, moto's backend dicts), the
 * per-route-table prefix tries the data plane reads, the scheduler of declared lifecycle
 * transitions, and the ClientToken ledger. Sub-models (`vpcs.ts`, `route-tables.ts`, ...) hold
 * the rules; this file holds no Alibaba rules.
 */
import { PrefixTrie, parseCidr, type Cidr } from '../../net/index.ts';
import type { Clock } from '../clock.ts';
import { IdempotentParameterMismatch } from '../errors.ts';
import { IdGenerator } from './ids.ts';
import { DEFAULT_TIMINGS, type LifecycleTimings } from './states.ts';
import type {
  AccountRecord,
  BgpGroupRecord,
  Caller,
  BgpNetworkRecord,
  BgpPeerRecord,
  CenBandwidthPackageRecord,
  CenChildInstanceRecord,
  CenGrantRecord,
  CenInterRegionBandwidthLimitRecord,
  CenRecord,
  CenRouteRecord,
  CenVbrHealthCheckRecord,
  DataCenterRecord,
  EcsInstanceRecord,
  Owned,
  HealthCheckState,
  ManagedInstanceRecord,
  ModelQuotas,
  PhysicalConnectionRecord,
  PublishedRouteRecord,
  RegionRecord,
  RouteEntryRecord,
  RouteTableRecord,
  RouterInterfaceRecord,
  TransitionKind,
  VbrRecord,
  VpcRecord,
  VSwitchRecord,
} from './types.ts';
import { stableJson } from '../../json.ts';

/** Everything stored at one prefix of a route table: its own entries and CEN-learned routes. */
export interface RouteSlot {
  entries: RouteEntryRecord[];
  cen: CenRouteRecord[];
}

/** Index of one route table: an LPM trie of slots plus counters used by quota checks. */
export interface TableIndex {
  trie: PrefixTrie<RouteSlot>;
  customCount: number;
  /** Entries that are not `Available` (Pending/Modifying/Deleting): the table is busy. */
  unstable: Map<string, RouteEntryRecord>;
}

/** Default quotas (Alibaba: 200 custom routes per table). */
export const DEFAULT_QUOTAS: Readonly<ModelQuotas> = Object.freeze({
  customRoutesPerTable: 200,
  cenRoutesPerTable: 1000,
  maxEcmpNextHops: 16,
});

/** UID of the default account when a topology names none. */
export const DEFAULT_ACCOUNT_ID = '1234567890123456';

/** Options of a new model core. */
export interface CoreOptions {
  accountId?: string;
  timings?: Partial<LifecycleTimings>;
  quotas?: Partial<ModelQuotas>;
  idSeed?: number;
  idCounter?: number;
  epochOffsetMs?: number;
}

interface Scheduled {
  kind: TransitionKind;
  ref: string;
  dueAt: number;
  cancel: () => void;
}

/** The CEN VBR health check with its runtime state. */
export interface CenVbrHealthCheckEntry {
  record: CenVbrHealthCheckRecord;
  health: HealthCheckState;
}

/** Shared state of a `NetworkModel`. */
export class ModelCore {
  readonly accountId: string;
  readonly ids: IdGenerator;
  readonly epochOffsetMs: number;
  timings: LifecycleTimings;
  quotas: ModelQuotas;

  readonly regions = new Map<string, RegionRecord>();
  readonly vpcs = new Map<string, VpcRecord>();
  readonly vSwitches = new Map<string, VSwitchRecord>();
  readonly routeTables = new Map<string, RouteTableRecord>();
  readonly routeEntries = new Map<string, RouteEntryRecord>();
  readonly physicalConnections = new Map<string, PhysicalConnectionRecord>();
  readonly vbrs = new Map<string, VbrRecord>();
  readonly bgpGroups = new Map<string, BgpGroupRecord>();
  readonly bgpPeers = new Map<string, BgpPeerRecord>();
  /** Keyed by `${vbrId}|${cidr}`. */
  readonly bgpNetworks = new Map<string, BgpNetworkRecord>();
  readonly routerInterfaces = new Map<string, RouterInterfaceRecord>();
  /** Health state of router-interface pairs, keyed by the id of the end that holds the settings. */
  readonly routerInterfaceHealth = new Map<string, HealthCheckState>();
  readonly cens = new Map<string, CenRecord>();
  /** Keyed by `${cenId}|${childInstanceId}`. */
  readonly cenChildren = new Map<string, CenChildInstanceRecord>();
  /** Keyed by `${cenId}|${childInstanceId}|${routeTableId}|${cidr}`. */
  readonly publishedRoutes = new Map<string, PublishedRouteRecord>();
  /** CEN-learned routes keyed by their route entry id. */
  readonly cenRoutes = new Map<string, CenRouteRecord>();
  /** Keyed by `${cenId}|${vbrInstanceId}`. */
  readonly cenVbrHealthChecks = new Map<string, CenVbrHealthCheckEntry>();
  readonly ecsInstances = new Map<string, EcsInstanceRecord>();
  readonly managedInstances = new Map<string, ManagedInstanceRecord>();
  readonly dataCenters = new Map<string, DataCenterRecord>();
  readonly clientTokens = new Map<string, { paramsHash: string; result: unknown }>();
  /** Accounts by UID; always holds the default account. */
  readonly accounts = new Map<string, AccountRecord>();
  /** Cross-account grants keyed by `${childInstanceId}|${cenId}`. */
  readonly cenGrants = new Map<string, CenGrantRecord>();
  /** CEN bandwidth packages by id. */
  readonly cenBandwidthPackages = new Map<string, CenBandwidthPackageRecord>();
  /** Inter-region bandwidth limits keyed by `${cenId}|${regionA}|${regionB}` (regions sorted). */
  readonly cenBandwidthLimits = new Map<string, CenInterRegionBandwidthLimitRecord>();

  /** LPM index per route table. */
  readonly tables = new Map<string, TableIndex>();
  /** LPM index of each data center's routes (rebuilt when its routes change; they are few). */
  readonly dataCenterTries = new Map<string, PrefixTrie<string[]>>();

  private readonly scheduled = new Map<string, Scheduled>();
  private readonly handlers = new Map<TransitionKind, (ref: string) => void>();
  private dirty = false;
  private flushing = false;
  /** Recomputes derived routes (BGP, CEN learning); installed by `NetworkModel`. */
  derive: () => void = () => {};
  /** Called after health-check settings change so the runner restarts its probe loops. */
  healthCheckConfigChanged: () => void = () => {};

  constructor(
    readonly clock: Clock,
    opts: CoreOptions = {},
  ) {
    this.accountId = opts.accountId ?? DEFAULT_ACCOUNT_ID;
    this.accounts.set(this.accountId, { accountId: this.accountId, name: 'default' });
    this.timings = { ...DEFAULT_TIMINGS, ...opts.timings };
    this.quotas = { ...DEFAULT_QUOTAS, ...opts.quotas };
    this.ids = new IdGenerator(opts.idSeed ?? 20190218, opts.idCounter ?? 0);
    // A virtual clock starts near 0; wire timestamps still need a plausible date.
    this.epochOffsetMs = opts.epochOffsetMs ?? (clock.now() < 1e12 ? Date.UTC(2026, 0, 1) : 0);
  }

  /** Wire timestamp (`2026-01-01T00:00:05Z`) of the current clock time. */
  isoNow(): string {
    return new Date(this.clock.now() + this.epochOffsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  // ------------------------------------------------------------ accounts

  /** The account that owns a record (its `ownerId`, else the default account). */
  ownerOf(r: Owned): string {
    return r.ownerId ?? this.accountId;
  }

  /** `ownerId` to store on a new record of `accountId`: omitted for the default account. */
  ownerField(accountId: string | undefined): Owned {
    return accountId === undefined || accountId === this.accountId ? {} : { ownerId: accountId };
  }

  /**
   * The account that owns the resource with this id, whatever its kind (VPC, vSwitch, vRouter,
   * route table or entry, VBR, BGP group or peer, router interface, physical connection, ECS or
   * managed instance, CEN); `undefined` when no resource has the id.
   */
  resourceOwner(id: string): string | undefined {
    const direct =
      this.vpcs.get(id) ?? this.vbrs.get(id) ?? this.physicalConnections.get(id) ?? this.cens.get(id) ?? this.ecsInstances.get(id) ?? this.managedInstances.get(id) ?? this.cenBandwidthPackages.get(id);
    if (direct) return this.ownerOf(direct);
    const sw = this.vSwitches.get(id);
    if (sw) return this.resourceOwner(sw.vpcId);
    const entry = this.routeEntries.get(id) ?? this.cenRoutes.get(id);
    if (entry) return this.resourceOwner(entry.routeTableId);
    const table = this.routeTables.get(id);
    if (table) return this.resourceOwner(table.vpcId ?? table.vbrId ?? table.routerId);
    const ri = this.routerInterfaces.get(id);
    if (ri) return this.resourceOwner(ri.routerId);
    const group = this.bgpGroups.get(id) ?? this.bgpPeers.get(id);
    if (group) return this.resourceOwner(group.routerId);
    for (const v of this.vpcs.values()) if (v.vRouterId === id) return this.ownerOf(v);
    return undefined;
  }

  /** Whether a call from `caller.callerId` (none: the emulator itself) sees the resource with this id. */
  seenBy(caller: Caller, id: string): boolean {
    return caller.callerId === undefined || this.visibleTo(caller.callerId, id);
  }

  /** Whether `accountId` may see the resource: it owns it, or no resource has the id. */
  visibleTo(accountId: string, id: string): boolean {
    const owner = this.resourceOwner(id);
    return owner === undefined || owner === accountId;
  }

  // ------------------------------------------------------------ route table index

  /** The index of a route table, created on first use. */
  tableIndex(routeTableId: string): TableIndex {
    let t = this.tables.get(routeTableId);
    if (!t) {
      t = { trie: new PrefixTrie<RouteSlot>(), customCount: 0, unstable: new Map() };
      this.tables.set(routeTableId, t);
    }
    return t;
  }

  private slot(routeTableId: string, prefix: Cidr): RouteSlot {
    const { trie } = this.tableIndex(routeTableId);
    let s = trie.get(prefix);
    if (!s) {
      s = { entries: [], cen: [] };
      trie.set(prefix, s);
    }
    return s;
  }

  private dropSlotIfEmpty(routeTableId: string, prefix: Cidr, s: RouteSlot): void {
    if (s.entries.length === 0 && s.cen.length === 0) this.tableIndex(routeTableId).trie.delete(prefix);
  }

  /** Stores a route entry and indexes it. */
  addRouteEntry(e: RouteEntryRecord): void {
    this.routeEntries.set(e.routeEntryId, e);
    this.slot(e.routeTableId, parseCidr(e.destinationCidrBlock)).entries.push(e);
    const idx = this.tableIndex(e.routeTableId);
    if (e.type === 'Custom') idx.customCount++;
    if (e.status !== 'Available') idx.unstable.set(e.routeEntryId, e);
    this.markDirty();
  }

  /** Changes an entry's status, keeping the table's busy set current. */
  setEntryStatus(e: RouteEntryRecord, status: RouteEntryRecord['status']): void {
    e.status = status;
    const idx = this.tableIndex(e.routeTableId);
    if (status === 'Available') idx.unstable.delete(e.routeEntryId);
    else idx.unstable.set(e.routeEntryId, e);
    this.markDirty();
  }

  /** Removes a route entry and its index. */
  removeRouteEntry(e: RouteEntryRecord): void {
    if (!this.routeEntries.delete(e.routeEntryId)) return;
    const prefix = parseCidr(e.destinationCidrBlock);
    const s = this.tableIndex(e.routeTableId).trie.get(prefix);
    if (s) {
      s.entries = s.entries.filter((x) => x !== e);
      this.dropSlotIfEmpty(e.routeTableId, prefix, s);
    }
    const idx = this.tableIndex(e.routeTableId);
    if (e.type === 'Custom') idx.customCount--;
    idx.unstable.delete(e.routeEntryId);
    this.markDirty();
  }

  /** Stores a CEN-learned route and indexes it. */
  addCenRoute(r: CenRouteRecord): void {
    this.cenRoutes.set(r.routeEntryId, r);
    this.slot(r.routeTableId, parseCidr(r.destinationCidrBlock)).cen.push(r);
  }

  /** Removes a CEN-learned route and its index. */
  removeCenRoute(r: CenRouteRecord): void {
    if (!this.cenRoutes.delete(r.routeEntryId)) return;
    this.cancelTransition('cenRoute.activated', r.routeEntryId);
    const prefix = parseCidr(r.destinationCidrBlock);
    const s = this.tableIndex(r.routeTableId).trie.get(prefix);
    if (s) {
      s.cen = s.cen.filter((x) => x !== r);
      this.dropSlotIfEmpty(r.routeTableId, prefix, s);
    }
  }

  /** Entries (own, not CEN) of a route table, in no particular order. */
  entriesOf(routeTableId: string): RouteEntryRecord[] {
    const t = this.tables.get(routeTableId);
    if (!t) return [];
    const out: RouteEntryRecord[] = [];
    for (const { value } of t.trie.entries()) out.push(...value.entries);
    return out;
  }

  /** CEN-learned routes of a route table. */
  cenRoutesOf(routeTableId: string): CenRouteRecord[] {
    const t = this.tables.get(routeTableId);
    if (!t) return [];
    const out: CenRouteRecord[] = [];
    for (const { value } of t.trie.entries()) out.push(...value.cen);
    return out;
  }

  /** Rebuilds the LPM trie of a data center's routes. */
  reindexDataCenter(dc: DataCenterRecord): void {
    const trie = new PrefixTrie<string[]>();
    // Static routes override BGP-learned ones for the same prefix, like an administrative distance.
    for (const r of [...dc.routes].sort((a, b) => (a.origin === b.origin ? 0 : a.origin === 'bgp' ? -1 : 1))) {
      trie.set(parseCidr(r.destinationCidrBlock), r.nextHopIps);
    }
    this.dataCenterTries.set(dc.dataCenterId, trie);
  }

  // ------------------------------------------------------------ derived state

  /** Notes that derived routes (BGP, CEN learning) must be recomputed before they are read. */
  markDirty(): void {
    this.dirty = true;
  }

  /** Recomputes derived routes if anything changed since the last time. */
  flush(): void {
    if (!this.dirty || this.flushing) return;
    this.flushing = true;
    try {
      // Derivation may itself change entries (BGP routes); loop until stable, bounded.
      for (let i = 0; i < 5 && this.dirty; i++) {
        this.dirty = false;
        this.derive();
      }
    } finally {
      this.flushing = false;
    }
  }

  // ------------------------------------------------------------ transitions

  /** Installs the handler of one declared transition kind. */
  onTransition(kind: TransitionKind, fn: (ref: string) => void): void {
    this.handlers.set(kind, fn);
  }

  /** Schedules `kind` for resource `ref` after `delayMs`, replacing any earlier one for the pair. */
  scheduleTransition(kind: TransitionKind, ref: string, delayMs: number): void {
    const key = `${kind}|${ref}`;
    this.scheduled.get(key)?.cancel();
    const dueAt = this.clock.now() + Math.max(0, delayMs);
    const cancel = this.clock.schedule(Math.max(0, delayMs), () => {
      if (this.scheduled.get(key)?.cancel !== cancel) return;
      this.scheduled.delete(key);
      this.handlers.get(kind)?.(ref);
      this.markDirty();
      this.flush();
    });
    this.scheduled.set(key, { kind, ref, dueAt, cancel });
  }

  /** Cancels a scheduled transition if there is one. */
  cancelTransition(kind: TransitionKind, ref: string): void {
    const key = `${kind}|${ref}`;
    this.scheduled.get(key)?.cancel();
    this.scheduled.delete(key);
  }

  /** Whether a transition is scheduled for the pair. */
  hasTransition(kind: TransitionKind, ref: string): boolean {
    return this.scheduled.has(`${kind}|${ref}`);
  }

  /** Scheduled transitions with their due times, in due order. */
  pendingTransitions(): Array<{ kind: TransitionKind; ref: string; dueAt: number }> {
    return [...this.scheduled.values()]
      .map(({ kind, ref, dueAt }) => ({ kind, ref, dueAt }))
      .sort((a, b) => a.dueAt - b.dueAt || a.kind.localeCompare(b.kind) || a.ref.localeCompare(b.ref));
  }

  // ------------------------------------------------------------ idempotency

  /**
   * Runs a write once per (action, ClientToken): a repeat with the same params returns the first
   * result; with different params it throws `IdempotentParameterMismatch`. Dry runs and failed
   * attempts are not recorded, so a retry after an error runs again.
   */
  idempotent<T>(action: string, params: { clientToken?: string; dryRun?: boolean }, run: () => T): T {
    const token = params.clientToken;
    if (!token || params.dryRun) return run();
    const key = `${action}|${token}`;
    const paramsHash = stableJson({ ...params, clientToken: undefined });
    const seen = this.clientTokens.get(key);
    if (seen) {
      if (seen.paramsHash !== paramsHash) throw new IdempotentParameterMismatch();
      return seen.result as T;
    }
    const result = run();
    this.clientTokens.set(key, { paramsHash, result });
    return result;
  }
}

