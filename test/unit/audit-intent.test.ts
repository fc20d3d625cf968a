import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../src/errors.ts';
import { loadIntentFile, parseIntent } from '../../workflows/health-audit/intent.ts';
import { parseAuditParams } from '../../workflows/health-audit/params.ts';

const line = (vbrId: string, role?: string) => ({ vbrId, ...(role ? { role } : {}) });
const group = (over: Record<string, unknown> = {}) => ({ routeTableId: 'vtb-1', destinationCidrBlock: '172.16.0.0/16', mode: 'active-active', lines: [line('vbr-1'), line('vbr-2')], ...over });

describe('intent file', () => {
  test('the shipped example is valid and keeps what it declares', () => {
    // Act
    const intent = loadIntentFile(join(import.meta.dirname, '../../examples/intent.example.json'));
    // Assess
    assert.equal(intent.version, 1);
    assert.ok(intent.redundancy.length > 0 && intent.criticalAddresses.length > 0 && intent.cloudAccess.length > 0 && intent.flows.length > 0);
    assert.ok(intent.performance);
  });

  test('defaults: health checks 2 s × 8, empty sections, performance thresholds filled in', () => {
    // Act
    const minimal = parseIntent({ version: 1 });
    const perf = parseIntent({ version: 1, performance: {} });
    // Assess
    assert.deepEqual(minimal.healthCheck, { intervalSeconds: 2, threshold: 8 });
    assert.deepEqual([minimal.redundancy, minimal.criticalAddresses, minimal.cloudAccess, minimal.flows, minimal.ignore], [[], [], [], [], []]);
    assert.equal(minimal.performance, null);
    assert.deepEqual(perf.performance, { minBandwidthShare: 0.8, maxUdpLossPercent: 1, maxReportAgeDays: 30 });
  });

  const bad: Array<{ case: string; doc: unknown; field: string; message: RegExp }> = [
    { case: 'not an object', doc: [], field: 'intent', message: /expected an object/ },
    { case: 'wrong version', doc: { version: 2 }, field: 'intent.version', message: /expected 1/ },
    { case: 'unknown top-level field', doc: { version: 1, redundant: [] }, field: 'intent.redundant', message: /unknown field.*redundancy/ },
    { case: 'non-canonical CIDR', doc: { version: 1, redundancy: [group({ destinationCidrBlock: '172.16.1.5/16' })] }, field: 'intent.redundancy[0].destinationCidrBlock', message: /did you mean 172\.16\.0\.0\/16/ },
    { case: 'one line only', doc: { version: 1, redundancy: [group({ lines: [line('vbr-1')] })] }, field: 'intent.redundancy[0].lines', message: /at least two lines/ },
    { case: 'active-standby without roles', doc: { version: 1, redundancy: [group({ mode: 'active-standby' })] }, field: 'intent.redundancy[0].lines[0].role', message: /need a role/ },
    { case: 'active-standby without a standby', doc: { version: 1, redundancy: [group({ mode: 'active-standby', lines: [line('vbr-1', 'active'), line('vbr-2', 'active')] })] }, field: 'intent.redundancy[0].lines', message: /role standby/ },
    { case: 'roles on active-active', doc: { version: 1, redundancy: [group({ lines: [line('vbr-1', 'active'), line('vbr-2')] })] }, field: 'intent.redundancy[0].lines[0].role', message: /only for mode active-standby/ },
    { case: 'not a VBR id', doc: { version: 1, cloudAccess: [{ vbrId: 'vpc-1' }] }, field: 'intent.cloudAccess[0].vbrId', message: /not a vbr-… id/ },
    { case: 'critical address without expectation', doc: { version: 1, criticalAddresses: [{ routeTableId: 'vtb-1', address: '10.0.0.1' }] }, field: 'intent.criticalAddresses[0]', message: /say what is expected/ },
    { case: 'bad address', doc: { version: 1, criticalAddresses: [{ routeTableId: 'vtb-1', address: '10.0.0.256', expectedNextHopType: 'CEN' }] }, field: 'intent.criticalAddresses[0].address', message: /larger than 255/ },
    { case: 'tcp flow without port', doc: { version: 1, flows: [{ name: 'f', source: 'i-1', destinationIp: '10.0.0.1', protocol: 'tcp' }] }, field: 'intent.flows[0].port', message: /needs a port/ },
    { case: 'duplicate flow names', doc: { version: 1, flows: [{ name: 'f', source: 'i-1', destinationIp: '10.0.0.1' }, { name: 'f', source: 'i-2', destinationIp: '10.0.0.2' }] }, field: 'intent.flows[1].name', message: /used twice/ },
    { case: 'interval out of range', doc: { version: 1, healthCheck: { intervalSeconds: 5 } }, field: 'intent.healthCheck.intervalSeconds', message: /from 2 to 3/ },
    { case: 'share above 1', doc: { version: 1, performance: { minBandwidthShare: 80 } }, field: 'intent.performance.minBandwidthShare', message: /from 0 to 1/ },
    { case: 'unknown check in ignore', doc: { version: 1, ignore: [{ checkId: 'ecmp', reason: 'x' }] }, field: 'intent.ignore[0].checkId', message: /one of physical-connection-state/ },
    { case: 'ignore without reason', doc: { version: 1, ignore: [{ checkId: 'ecmp-symmetry' }] }, field: 'intent.ignore[0].reason', message: /non-empty string/ },
  ];
  for (const c of bad) {
    test(`refuses ${c.case}, naming the field`, () => {
      assert.throws(
        () => parseIntent(c.doc),
        (err: unknown) => err instanceof ValidationError && err.code === 'InvalidIntent' && err.field === c.field && c.message.test(err.message),
      );
    });
  }

  test('a file that is not JSON is refused with the path in the message', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'intent-'));
    const path = join(dir, 'intent.json');
    writeFileSync(path, '{ version: 1 ');
    // Act / Assess
    assert.throws(() => loadIntentFile(path), (err: unknown) => err instanceof ValidationError && err.code === 'InvalidIntent' && err.message.includes(path));
  });

  test('audit parameters carry an inline intent and refuse unknown checks', () => {
    // Act
    const p = parseAuditParams({ intent: { version: 1, cloudAccess: [{ vbrId: 'vbr-1' }] }, checks: ['vbr-status'] });
    // Assess
    assert.deepEqual(p.intent?.cloudAccess, [{ vbrId: 'vbr-1' }]);
    assert.deepEqual(p.checks, ['vbr-status']);
    assert.equal(p.proposeRemediations, true);
    assert.throws(() => parseAuditParams({ checks: ['nope'] }), (err: unknown) => err instanceof ValidationError && err.field === 'checks');
    assert.throws(() => parseAuditParams({ intent: { version: 1, flows: 'x' } }), (err: unknown) => err instanceof ValidationError && err.field === 'intent.flows');
  });
});
