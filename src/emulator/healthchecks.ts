/**
 * Health-check probe loops on the model's clock (seed chapter 6; alibaba-api.md §5, §8):
 *  - router-interface pairs with HealthCheckSourceIp/TargetIp: a probe every `hcRate` ms; after
 *    `hcThreshold` consecutive misses the pair is `failed` (its router-interface next hops show
 *    `Enabled=0` and carry no traffic, so ECMP fails over); after `hcThreshold` consecutive
 *    successes it recovers (recovery count UNCONFIRMED).
 *  - CEN VBR health checks: a probe every `healthCheckInterval` s; after `healthyThreshold` misses
 *    the VBR's routes are withdrawn from the CEN (unless `healthCheckOnly`); they come back after
 *    as many successes.
 * With 2000 ms × 8 a failure is detected within 16 s of the fault (the 8th missed probe).
 */
import { probeCenVbrHealthCheck, probeRouterInterfaceHealthCheck } from './dataplane.ts';
import type { NetworkModel } from './model/network.ts';
import type { HealthCheckState } from './model/types.ts';

interface Loop {
  /** Settings fingerprint: a change restarts the loop. */
  signature: string;
  cancel: () => void;
}

/** Runs the probe loops; `sync()` after settings change. */
export class HealthChecks {
  private readonly loops = new Map<string, Loop>();
  private stopped = false;

  constructor(private readonly model: NetworkModel) {}

  /** Starts, restarts or stops loops to match the current settings. */
  sync(): void {
    if (this.stopped) return;
    const core = this.model.core;
    const wanted = new Map<string, { signature: string; intervalMs: number; tick: () => void }>();
    for (const ri of core.routerInterfaces.values()) {
      if (!ri.healthCheckSourceIp || !ri.healthCheckTargetIp) continue;
      const rate = ri.hcRate ?? 2000;
      const threshold = ri.hcThreshold ?? 8;
      const id = ri.routerInterfaceId;
      wanted.set(`ri|${id}`, {
        signature: `${ri.healthCheckSourceIp}|${ri.healthCheckTargetIp}|${rate}|${threshold}`,
        intervalMs: rate,
        tick: () => {
          const cur = core.routerInterfaces.get(id);
          if (!cur) return;
          const state = core.routerInterfaceHealth.get(id) ?? fresh();
          core.routerInterfaceHealth.set(id, state);
          record(state, probeRouterInterfaceHealthCheck(this.model, cur), threshold, core.clock.now());
        },
      });
    }
    for (const [key, hc] of core.cenVbrHealthChecks) {
      if (hc.record.state !== 'Enabled') continue;
      const r = hc.record;
      wanted.set(`cen|${key}`, {
        signature: `${r.healthCheckSourceIp}|${r.healthCheckTargetIp}|${r.healthCheckInterval}|${r.healthyThreshold}|${r.healthCheckOnly}`,
        intervalMs: r.healthCheckInterval * 1000,
        tick: () => {
          const cur = core.cenVbrHealthChecks.get(key);
          if (!cur || cur.record.state !== 'Enabled') return;
          const before = cur.health.failed;
          record(cur.health, probeCenVbrHealthCheck(this.model, r.vbrInstanceId, r.healthCheckSourceIp, r.healthCheckTargetIp), r.healthyThreshold, core.clock.now());
          if (before !== cur.health.failed) {
            core.markDirty();
            core.flush();
          }
        },
      });
    }
    for (const [key, loop] of this.loops) {
      if (wanted.get(key)?.signature !== loop.signature) {
        loop.cancel();
        this.loops.delete(key);
      }
    }
    for (const [key, w] of wanted) {
      if (this.loops.has(key)) continue;
      this.loops.set(key, { signature: w.signature, cancel: this.every(w.intervalMs, w.tick) });
    }
    // Router-interface health state of removed checks is dropped with the settings.
    for (const id of [...core.routerInterfaceHealth.keys()]) {
      if (!wanted.has(`ri|${id}`)) core.routerInterfaceHealth.delete(id);
    }
  }

  /** Stops every loop (no more timers from health checks). */
  stop(): void {
    this.stopped = true;
    for (const l of this.loops.values()) l.cancel();
    this.loops.clear();
  }

  /** Number of running probe loops. */
  get running(): number {
    return this.loops.size;
  }

  private every(intervalMs: number, tick: () => void): () => void {
    let cancel = (): void => {};
    let live = true;
    const arm = (): void => {
      cancel = this.model.clock.schedule(intervalMs, () => {
        if (!live) return;
        tick();
        if (live) arm();
      });
    };
    arm();
    return () => {
      live = false;
      cancel();
    };
  }
}

function fresh(): HealthCheckState {
  return { consecutiveMisses: 0, consecutiveSuccesses: 0, failed: false };
}

/** Counts one probe result and flips the verdict after `threshold` in a row. */
function record(s: HealthCheckState, ok: boolean, threshold: number, now: number): void {
  s.lastProbeAt = now;
  s.lastOk = ok;
  if (ok) {
    s.consecutiveSuccesses++;
    s.consecutiveMisses = 0;
    if (s.failed && s.consecutiveSuccesses >= threshold) {
      s.failed = false;
      s.changedAt = now;
    }
  } else {
    s.consecutiveMisses++;
    s.consecutiveSuccesses = 0;
    if (!s.failed && s.consecutiveMisses >= threshold) {
      s.failed = true;
      s.changedAt = now;
    }
  }
}
