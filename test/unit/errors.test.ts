import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudTransientError, ValidationError, serializeError } from '../../src/errors.ts';

test('a validation error serializes with its kind, code and field', () => {
  const err = new ValidationError('bad CIDR', { code: 'InvalidCidr', field: 'params.cidr' });
  assert.deepEqual(serializeError(err), {
    name: 'ValidationError',
    kind: 'validation',
    code: 'InvalidCidr',
    message: 'bad CIDR',
    retryable: false,
    field: 'params.cidr',
  });
});

test('a transient cloud error is retryable and keeps the RequestId', () => {
  const err = new CloudTransientError('throttled', { code: 'Throttling.User', requestId: 'R-1' });
  assert.equal(err.retryable, true);
  assert.equal(serializeError(err).requestId, 'R-1');
});

test('unknown throwables become internal errors', () => {
  assert.equal(serializeError('boom').kind, 'internal');
});
