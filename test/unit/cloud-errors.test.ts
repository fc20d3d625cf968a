import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLOUD_ERROR_RULES,
  CloudApiPermanentError,
  CloudApiTransientError,
  classifyCloudError,
  isCloudApiError,
  isCloudErrorClass,
  makeCloudApiError,
  type CloudErrorRule,
} from '../../src/cloud/errors.ts';
import { CloudPermanentError, CloudTransientError, serializeError } from '../../src/errors.ts';

/** A code (and status) that the rule matches, for rows that match families rather than one code. */
function exampleFor(rule: CloudErrorRule): { code: string; httpStatus?: number } {
  if (rule.code !== undefined) return { code: rule.code };
  if (rule.contains !== undefined) return { code: `Some.${rule.contains}.Api` };
  if (rule.suffix !== undefined) return { code: `InvalidVbrId${rule.suffix}` };
  return { code: 'OddGatewayFailure', httpStatus: rule.httpStatusAtLeast };
}

describe('classifyCloudError', () => {
  for (const rule of CLOUD_ERROR_RULES) {
    const { code, httpStatus } = exampleFor(rule);
    test(`classifies ${code}${httpStatus ? ` (HTTP ${httpStatus})` : ''} as ${rule.errorClass}`, () => {
      // Act
      const cls = classifyCloudError(code, httpStatus);
      // Assess
      assert.equal(cls, rule.errorClass);
    });
  }

  const cases: Array<{ case: string; code: string; httpStatus?: number; expected: string }> = [
    { case: 'Throttling.User from the gateway', code: 'Throttling.User', expected: 'throttled' },
    { case: 'bare Throttling', code: 'Throttling', expected: 'throttled' },
    { case: 'a gateway NotFound stays terminal', code: 'InvalidAccessKeyId.NotFound', httpStatus: 404, expected: 'terminal' },
    { case: 'an unknown action stays terminal', code: 'InvalidAction.NotFound', expected: 'terminal' },
    { case: 'an unknown 4xx code is terminal', code: 'InvalidParameter', httpStatus: 400, expected: 'terminal' },
    { case: 'an unknown code on a 503 is throttled', code: 'Whatever', httpStatus: 503, expected: 'throttled' },
    { case: 'a duplicate wins over its 400 status', code: 'RouterEntryConflict.Duplicated', httpStatus: 400, expected: 'duplicate' },
    { case: 'the unconfirmed InvalidRouteEntry.Conflict is not relied on', code: 'InvalidRouteEntry.Conflict', expected: 'terminal' },
    { case: 'a VBR not attached to CEN is terminal', code: 'InvalidOperation.VbrNotAttachedToCen', expected: 'terminal' },
  ];
  for (const c of cases) {
    test(`classifies ${c.case}`, () => {
      assert.equal(classifyCloudError(c.code, c.httpStatus), c.expected);
    });
  }

  test('every exact code appears in one row only', () => {
    const codes = CLOUD_ERROR_RULES.flatMap((r) => (r.code ? [r.code] : []));
    assert.equal(new Set(codes).size, codes.length);
  });
});

describe('CloudApiError', () => {
  test('retryable classes build a transient error that keeps Code, RequestId and class', () => {
    // Act
    const err = makeCloudApiError('busy', {
      code: 'TaskConflict',
      requestId: 'R-1',
      product: 'Vpc',
      action: 'CreateRouteEntry',
      errorClass: 'conflict',
      httpStatus: 400,
    });
    // Assess
    assert.ok(err instanceof CloudApiTransientError);
    assert.ok(err instanceof CloudTransientError);
    assert.equal(err.retryable, true);
    assert.equal(err.code, 'TaskConflict');
    assert.equal(err.requestId, 'R-1');
    assert.equal(err.errorClass, 'conflict');
    assert.equal(serializeError(err).kind, 'cloud_transient');
    assert.ok(isCloudErrorClass(err, 'conflict', 'throttled'));
  });

  test('other classes build a permanent, non-retryable error', () => {
    const err = makeCloudApiError('gone', {
      code: 'InvalidRouteEntry.NotFound',
      product: 'Vpc',
      action: 'DeleteRouteEntry',
      errorClass: 'not_found',
    });
    assert.ok(err instanceof CloudApiPermanentError);
    assert.ok(err instanceof CloudPermanentError);
    assert.equal(err.retryable, false);
    assert.equal(err.name, 'CloudApiPermanentError');
    assert.ok(isCloudApiError(err));
    assert.ok(!isCloudErrorClass(err, 'duplicate'));
    assert.ok(!isCloudApiError(new Error('x')));
  });
});
