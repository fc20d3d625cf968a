import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../../src/engine/runtime.ts';

test('the runtime built from the environment registers every procedure, the health audit included', async () => {
  // Prepare: an in-memory SQLite store and the in-process timer scheduler, as a local runner would have.
  const runtime = createRuntime({ store: { kind: 'sqlite', path: ':memory:' }, scheduler: { kind: 'timer' } }, {});
  try {
    // Act / Assess: every procedure of the seed, plus the audit and its remediation helper.
    for (const id of [
      'cloud-service-access',
      'link-performance-test',
      'migrate-vpc-to-cen',
      'migrate-vbr-to-cen',
      'rollback-migration',
      'physical-connection-redundancy',
      'health-audit',
    ]) {
      assert.equal(runtime.engine.registry.latest(id).id, id);
    }
  } finally {
    await runtime.close();
  }
});
