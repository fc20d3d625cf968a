/**
 * The type checker and the linter are part of the test suite, so `npm test` (what CI runs) fails
 * on a type error or a lint error like on any failing test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Runs a package's CLI script by path (eslint does not export its bin through `exports`). */
function run(bin: string, args: string[]): { status: number | null; output: string } {
  const [pkg, ...rest] = bin.split('/');
  const script = join(dirname(require.resolve(`${pkg}/package.json`)), ...rest);
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('the TypeScript sources type-check under strict mode', () => {
  const r = run('typescript/bin/tsc', ['--noEmit', '-p', 'tsconfig.json']);
  assert.equal(r.status, 0, r.output);
});

test('the sources pass the linter', () => {
  const r = run('eslint/bin/eslint.js', ['.', '--max-warnings=0']);
  assert.equal(r.status, 0, r.output);
});
