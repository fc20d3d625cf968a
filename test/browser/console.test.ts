/**
 * The web console in a real headless browser (Debian's chromium driven by playwright-core): sign
 * in with a token, open an execution waiting for approval, approve it, see it finish. Screenshots
 * go to `.xcflow/test-artifacts/`. Skipped, saying why, when chromium is not installed
 * (`.ci/run` installs it; set XCFLOW_CHROMIUM to use another binary).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { eventually, startTestStack, type TestStack } from './stack.ts';

const CHROMIUM = process.env.XCFLOW_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), '.xcflow/test-artifacts');
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const skip = existsSync(CHROMIUM) ? false : `no chromium at ${CHROMIUM} (apt-get install -y chromium, or set XCFLOW_CHROMIUM)`;

describe('Web console in headless chromium', { skip }, () => {
  let stack: TestStack;
  let stopPump: () => Promise<void>;
  let context: BrowserContext;
  let profile: string;

  before(async () => {
    stack = await startTestStack();
    stopPump = stack.pump();
    profile = mkdtempSync(join(tmpdir(), 'xcflow-chromium-'));
    // An empty profile directory per run; playwright passes it as --user-data-dir and adds --headless.
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 } });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await context?.close();
    await stopPump?.();
    await stack?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function signIn(page: Page, token: string): Promise<void> {
    await page.goto(stack.consoleUrl);
    await page.fill('#token', token);
    await page.click('#sign-in');
    await page.waitForSelector('table[data-testid=executions]');
  }

  async function startPending(): Promise<string> {
    const started = await stack.call('POST', '/v1/executions', stack.tokens.operator.token, {
      procedureId: 'test-ledger',
      params: { items: ['a', 'b', 'c'], settleMs: 3000, failVerify: false, routeTable: 'vtb-1' },
    });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id = String(started.body.id);
    await eventually(async () => ((await stack.call('GET', `/v1/executions/${id}`, stack.tokens.operator.token)).body.status === 'awaiting_approval' ? true : undefined), 'awaiting approval');
    return id;
  }

  it('refuses a bad token and keeps the sign-in form', async () => {
    const page = await context.newPage();
    try {
      await page.goto(stack.consoleUrl);
      await page.fill('#token', 'xcf_not-a-real-token');
      await page.click('#sign-in');
      await page.waitForFunction(() => (document.querySelector('#login-error')?.textContent ?? '').length > 0);
      assert.match((await page.textContent('#login-error')) ?? '', /not valid/);
    } finally {
      await page.close();
    }
  });

  it('an approver signs in, opens the pending execution, approves it and sees it finish', async () => {
    // Prepare
    const id = await startPending();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      // Act: sign in and open the execution from the list
      await signIn(page, stack.tokens.approver.token);
      assert.match((await page.textContent('#who-name')) ?? '', /local-approver \(approver\)/);
      await page.click(`tr[data-id="${id}"] a`);
      await page.waitForSelector('#approve');
      assert.equal(await page.getAttribute('#execution-status .badge', 'data-status'), 'awaiting_approval');
      await page.screenshot({ path: join(ARTIFACTS, 'console-awaiting-approval.png'), fullPage: true });
      // Act: approve
      await page.fill('#decision-comment', 'looks right');
      await page.click('#approve');
      await page.waitForSelector('#execution-status .badge[data-status="succeeded"]', { timeout: 30_000 });
      await page.screenshot({ path: join(ARTIFACTS, 'console-succeeded.png'), fullPage: true });
      // Assess: the steps, the approval decision and the cloud calls with their RequestIds
      const steps = await page.$$eval('table[data-testid=steps] tr[data-state]', (rows) => rows.map((r) => r.getAttribute('data-state')));
      assert.deepEqual(steps, ['Preparing', 'AwaitingApproval', 'Applying', 'AwaitingSettled', 'Verifying', 'Succeeded']);
      const timeline = (await page.textContent('[data-testid=timeline]')) ?? '';
      assert.match(timeline, /local-approver approved \(“looks right”\)/);
      assert.match(timeline, new RegExp(`req-${id}:Applying:\\d+`));
      assert.match(timeline, /not ready × \d+/);
      assert.equal(await page.$('#approve'), null);
      assert.deepEqual(errors, []);
      const api = await stack.call('GET', `/v1/executions/${id}`, stack.tokens.operator.token);
      assert.equal(api.body.status, 'succeeded');
    } finally {
      await page.close();
    }
  });

  it('an operator sees the pending approval but gets no approve button', async () => {
    const id = await startPending();
    const page = await context.newPage();
    try {
      await signIn(page, stack.tokens.operator.token);
      await page.goto(`${stack.consoleUrl}#/executions/${id}`);
      await page.waitForSelector('[data-testid=approval]');
      assert.equal(await page.$('#approve'), null);
      assert.match((await page.textContent('[data-testid=approval]')) ?? '', /no approver role/);
      assert.notEqual(await page.$('#cancel'), null);
    } finally {
      await page.close();
    }
  });

  it('draws the emulator probe timeline as an SVG chart', async () => {
    const page = await context.newPage();
    try {
      await signIn(page, stack.tokens.operator.token);
      await page.click('#nav-network');
      await page.waitForSelector('svg[data-testid=probe-chart] rect');
      const runs = await page.$$eval('svg[data-testid=probe-chart] rect', (rects) => rects.length);
      assert.ok(runs >= 2, `only ${runs} runs drawn`);
      await page.screenshot({ path: join(ARTIFACTS, 'console-network.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });
});
