/**
 * `NetworkModel`: the emulated Alibaba Cloud network (all regions) — moto's backend. One network
 * is shared by every account (traffic crosses accounts through CEN); each resource has an owner
 * account, and the actions show a caller only what its account owns. Sub-models
 * per resource hold the rules; the protocol layer (`src/emulator/actions`) calls their plain
 * methods with camelCase params and serialises results and `EmulatorApiError`s.
 *
 *   model.vpcs              VPCs, vSwitches
 *   model.routeTables       route tables and entries (Create/Delete/Modify/DescribeRouteEntryList)
 *   model.vbrs              physical connections, VBRs, BGP groups/peers/networks, link down/up
 *   model.routerInterfaces  router interfaces and their health-check settings
 *   model.cens              CEN instances, children, publication, learning, CEN VBR health checks
 *   model.inventory         ECS / managed instances, data centers and their static routes
 *   model.healthChecks      probe loops of router-interface and CEN VBR health checks
 *   model.probes            probe recorder (timeline of configured flows)
 */
import type { Clock } from '../clock.ts';
import { reachability, type ReachabilityQuery, type ReachabilityResult } from '../dataplane.ts';
import { HealthChecks } from '../healthchecks.ts';
import { ProbeRecorder } from '../probes.ts';
import { Cens } from './cen.ts';
import { Inventory } from './inventory.ts';
import { RouteTables } from './route-tables.ts';
import { RouterInterfaces } from './router-interfaces.ts';
import type { LifecycleTimings } from './states.ts';
import { ModelCore, type CoreOptions } from './store.ts';
import type { EmulatorSnapshot, ModelQuotas } from './types.ts';
import { Vbrs } from './vbrs.ts';
import { Vpcs } from './vpcs.ts';

/** Options of a new, empty model. */
export type NetworkModelOptions = CoreOptions;

/** One emulated account. */
export class NetworkModel {
  /** Shared state (maps, tries, scheduler). For the data plane and the topology loader. */
  readonly core: ModelCore;
  readonly vpcs: Vpcs;
  readonly routeTables: RouteTables;
  readonly vbrs: Vbrs;
  readonly routerInterfaces: RouterInterfaces;
  readonly cens: Cens;
  readonly inventory: Inventory;
  readonly healthChecks: HealthChecks;
  readonly probes: ProbeRecorder;

  constructor(
    readonly clock: Clock,
    opts: NetworkModelOptions = {},
  ) {
    this.core = new ModelCore(clock, opts);
    this.vpcs = new Vpcs(this.core);
    this.routeTables = new RouteTables(this.core);
    this.vbrs = new Vbrs(this.core);
    this.routerInterfaces = new RouterInterfaces(this.core);
    this.cens = new Cens(this.core);
    this.inventory = new Inventory(this.core);
    this.core.derive = () => {
      this.vbrs.deriveBgp();
      this.cens.deriveCen();
    };
    this.healthChecks = new HealthChecks(this);
    this.core.healthCheckConfigChanged = () => this.healthChecks.sync();
    this.probes = new ProbeRecorder(this);
  }

  /** The default account: it owns every resource the topology does not give to another. */
  get accountId(): string {
    return this.core.accountId;
  }

  /** Every account of the model, the default one first. */
  accounts(): Array<{ accountId: string; name: string }> {
    return [...this.core.accounts.values()].map((a) => ({ ...a }));
  }

  /** Current lifecycle delays. */
  get timings(): LifecycleTimings {
    return { ...this.core.timings };
  }

  /** Changes lifecycle delays from now on (transitions already scheduled keep their time). */
  setTimings(t: Partial<LifecycleTimings>): void {
    for (const [k, v] of Object.entries(t)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`timing ${k} must be a number >= 0`);
    }
    this.core.timings = { ...this.core.timings, ...t };
  }

  /** Current quotas. */
  get quotas(): ModelQuotas {
    return { ...this.core.quotas };
  }

  /** Changes quotas (e.g. a benchmark with 100,000 routes in one table). */
  setQuotas(q: Partial<ModelQuotas>): void {
    this.core.quotas = { ...this.core.quotas, ...q };
  }

  /** Regions the account has resources in. */
  regions(): Array<{ regionId: string; localName: string }> {
    return [...this.core.regions.values()].map((r) => ({ ...r }));
  }

  /** Data-plane question: can `source` reach `destinationIp` (and back)? See `dataplane.ts`. */
  reachability(q: ReachabilityQuery): ReachabilityResult {
    return reachability(this, q);
  }

  /** Stops health-check and probe loops (so a real-time clock lets the process exit). */
  dispose(): void {
    this.healthChecks.stop();
    this.probes.stop();
  }

  /** Complete JSON state: resources, runtime health, ClientTokens and in-flight transitions. */
  snapshot(): EmulatorSnapshot {
    const c = this.core;
    c.flush();
    const now = c.clock.now();
    const clone = <T>(xs: Iterable<T>): T[] => structuredClone([...xs]);
    return {
      version: 1,
      accountId: c.accountId,
      accounts: clone(c.accounts.values()),
      takenAt: now,
      epochOffsetMs: c.epochOffsetMs,
      idSeed: c.ids.seed,
      idCounter: c.ids.counter,
      timings: { ...c.timings },
      quotas: { ...c.quotas },
      regions: clone(c.regions.values()),
      vpcs: clone(c.vpcs.values()),
      vSwitches: clone(c.vSwitches.values()),
      routeTables: clone(c.routeTables.values()),
      routeEntries: clone(c.routeEntries.values()),
      physicalConnections: clone(c.physicalConnections.values()),
      vbrs: clone(c.vbrs.values()),
      bgpGroups: clone(c.bgpGroups.values()),
      bgpPeers: clone(c.bgpPeers.values()),
      bgpNetworks: clone(c.bgpNetworks.values()),
      routerInterfaces: clone(c.routerInterfaces.values()),
      routerInterfaceHealth: [...c.routerInterfaceHealth.entries()].map(([routerInterfaceId, h]) => ({ routerInterfaceId, ...h })),
      cens: clone(c.cens.values()),
      cenChildInstances: clone(c.cenChildren.values()),
      publishedRoutes: clone(c.publishedRoutes.values()),
      cenRoutes: clone(c.cenRoutes.values()),
      cenVbrHealthChecks: [...c.cenVbrHealthChecks.values()].map((h) => ({ ...structuredClone(h.record), health: { ...h.health } })),
      cenGrants: clone(c.cenGrants.values()),
      ecsInstances: clone(c.ecsInstances.values()),
      managedInstances: clone(c.managedInstances.values()),
      dataCenters: clone(c.dataCenters.values()),
      clientTokens: [...c.clientTokens.entries()].map(([key, v]) => ({ key, paramsHash: v.paramsHash, result: structuredClone(v.result) })),
      pendingTransitions: c.pendingTransitions().map((t) => ({ kind: t.kind, ref: t.ref, dueInMs: t.dueAt - now })),
    };
  }

  /**
   * Rebuilds a model from a snapshot (its own, or one built from live cloud state: the planner's
   * digital twin). In-flight transitions resume with their remaining time on `clock`; health-check
   * loops restart from their recorded counters.
   */
  static fromSnapshot(s: EmulatorSnapshot, clock: Clock): NetworkModel {
    if (s.version !== 1) throw new RangeError(`unsupported snapshot version ${String(s.version)}`);
    const m = new NetworkModel(clock, {
      accountId: s.accountId,
      timings: s.timings,
      quotas: s.quotas,
      idSeed: s.idSeed,
      idCounter: s.idCounter,
      epochOffsetMs: s.epochOffsetMs,
    });
    const c = m.core;
    const copy = <T>(x: T): T => structuredClone(x);
    for (const a of s.accounts ?? []) c.accounts.set(a.accountId, copy(a));
    for (const g of s.cenGrants ?? []) c.cenGrants.set(`${g.childInstanceId}|${g.cenId}`, copy(g));
    for (const r of s.regions) c.regions.set(r.regionId, copy(r));
    for (const v of s.vpcs) c.vpcs.set(v.vpcId, copy(v));
    for (const v of s.vSwitches) c.vSwitches.set(v.vSwitchId, copy(v));
    for (const t of s.routeTables) c.routeTables.set(t.routeTableId, copy(t));
    for (const e of s.routeEntries) c.addRouteEntry(copy(e));
    for (const p of s.physicalConnections) c.physicalConnections.set(p.physicalConnectionId, copy(p));
    for (const v of s.vbrs) c.vbrs.set(v.vbrId, copy(v));
    for (const g of s.bgpGroups) c.bgpGroups.set(g.bgpGroupId, copy(g));
    for (const p of s.bgpPeers) c.bgpPeers.set(p.bgpPeerId, copy(p));
    for (const n of s.bgpNetworks) c.bgpNetworks.set(`${n.routerId}|${n.dstCidrBlock}`, copy(n));
    for (const ri of s.routerInterfaces) c.routerInterfaces.set(ri.routerInterfaceId, copy(ri));
    for (const { routerInterfaceId, ...h } of s.routerInterfaceHealth) c.routerInterfaceHealth.set(routerInterfaceId, copy(h));
    for (const cen of s.cens) c.cens.set(cen.cenId, copy(cen));
    for (const ch of s.cenChildInstances) c.cenChildren.set(`${ch.cenId}|${ch.childInstanceId}`, copy(ch));
    for (const p of s.publishedRoutes) c.publishedRoutes.set(`${p.cenId}|${p.childInstanceId}|${p.routeTableId}|${p.destinationCidrBlock}`, copy(p));
    for (const r of s.cenRoutes) c.addCenRoute(copy(r));
    for (const { health, ...record } of s.cenVbrHealthChecks) {
      c.cenVbrHealthChecks.set(`${record.cenId}|${record.vbrInstanceId}`, { record: copy(record), health: copy(health) });
    }
    for (const i of s.ecsInstances) c.ecsInstances.set(i.instanceId, copy(i));
    for (const i of s.managedInstances) c.managedInstances.set(i.instanceId, copy(i));
    for (const dc of s.dataCenters) {
      const d = copy(dc);
      c.dataCenters.set(d.dataCenterId, d);
      c.reindexDataCenter(d);
    }
    for (const t of s.clientTokens) c.clientTokens.set(t.key, { paramsHash: t.paramsHash, result: copy(t.result) });
    for (const t of s.pendingTransitions) c.scheduleTransition(t.kind, t.ref, t.dueInMs);
    // Recorded CEN activation times are relative to the snapshot's clock; move them to ours.
    const shift = clock.now() - s.takenAt;
    if (shift !== 0) for (const r of c.cenRoutes.values()) if (r.activatesAt !== undefined) r.activatesAt += shift;
    c.markDirty();
    c.flush();
    m.healthChecks.sync();
    return m;
  }
}
