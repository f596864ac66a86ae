import t from 'tap';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, SCREENSHOTS } from '../helpers/browser.js';
import { demoStack } from '../helpers/demo-stack.js';

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

t.test('dashboard: samples arrive and charts update in place; a reload resumes and replays what it missed', async (t) => {
  const { url } = await demoStack(t);
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url + 'dashboard');
  await page.waitForSelector('#conn[data-state="connected"]');
  await page.waitForFunction(() => document.querySelectorAll('#hosts .host').length === 6);
  const first = await page.textContent('#last-update');
  await page.waitForFunction((before) => document.querySelector('#last-update')?.textContent !== before, first);
  t.match(await page.textContent('#kpi-rps'), /^[\d,]+$/, 'KPIs filled');
  t.equal(await page.locator('#hosts .host').count(), 6, 'one card per host, updated in place (not appended)');
  await page.waitForTimeout(3000); // let the charts draw a few seconds of data
  await shot(page, 'dashboard');

  await page.reload();
  await page.waitForSelector('#resume:not([hidden])');
  await page.waitForFunction(() => /missed samples replayed, no gap/.test(document.querySelector('#resume')?.textContent ?? ''), undefined, { timeout: 10_000 });
  const banner = (await page.textContent('#resume')) ?? '';
  t.match(banner, /Resumed after reload from seq \d+: \d+ missed samples replayed, no gap\./);
  await page.waitForFunction(() => document.querySelectorAll('#hosts .host').length === 6);
  await shot(page, 'dashboard-after-reload');
  t.same(errors, [], 'no page errors');
});

/** The "Online now" panel as the page shows it: one "name (what)" per row. */
const onlineOf = (p: Page) => p.locator('#online .online-user').evaluateAll((els) => els.map((e) => `${e.querySelector('strong')?.textContent} (${e.querySelector('.who span')?.textContent})`));
/** Waits until the panel shows exactly these rows (the first is always oneself). */
const waitOnline = (p: Page, rows: string[]) => p.waitForFunction(
  (want) => JSON.stringify(Array.from(document.querySelectorAll('#online .online-user'), (e) => `${e.querySelector('strong')?.textContent} (${e.querySelector('.who span')?.textContent})`)) === want,
  JSON.stringify(rows), { timeout: 10_000 },
);

t.test('lobby: two players see each other join, ready up and chat; a reload keeps the history and goes on live', async (t) => {
  const { url } = await demoStack(t);
  const a = await launchChromium();
  t.teardown(() => a.close());
  const b = await launchChromium();
  t.teardown(() => b.close());
  const ann = await a.context.newPage();
  const bo = await b.context.newPage();
  const errors: string[] = [];
  for (const p of [ann, bo]) p.on('pageerror', (e) => errors.push(e.message));

  await ann.goto(url + 'lobby');
  await ann.waitForSelector('#conn[data-state="connected"]');
  await ann.fill('#name', 'Ann');
  await ann.fill('#lobby-name', 'Friday night ranked');
  await ann.click('#create');
  await ann.waitForSelector('#view-room:not([hidden])');
  const code = ((await ann.textContent('#room-code')) ?? '').slice(1);
  t.match(code, /^[a-z0-9]{6}$/);

  await bo.goto(url + 'lobby');
  await bo.waitForSelector('#conn[data-state="connected"]');
  await bo.fill('#name', 'Bo');
  await bo.waitForSelector(`#lobby-list button:not([disabled])`);
  await shot(bo, 'lobby-list');
  await bo.click('#lobby-list .lobby-row button');
  await bo.waitForSelector('#view-room:not([hidden])');

  const players = (p: Page) => p.locator('#players .player[data-name]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.name));
  await ann.waitForFunction(() => document.querySelectorAll('#players .player[data-name]').length === 2);
  t.same(await players(ann), ['Ann', 'Bo'], 'Ann sees Bo join');
  t.same(await players(bo), ['Ann', 'Bo'], 'Bo sees Ann');
  await ann.waitForSelector('#feed li:has-text("Bo joined")');

  // Presence: each sees the other online, with the name from the other's token.
  await waitOnline(ann, ['Ann (you)', 'Bo (in the lobby)']);
  await waitOnline(bo, ['Bo (you)', 'Ann (in the lobby)']);
  t.same(await onlineOf(ann), ['Ann (you)', 'Bo (in the lobby)'], 'Ann sees Bo online');
  t.same(await onlineOf(bo), ['Bo (you)', 'Ann (in the lobby)'], 'Bo sees Ann online');
  t.equal(await ann.textContent('#online-count'), '2 online');
  await ann.waitForSelector('#players .player[data-name="Bo"][data-online="true"] .status.online');
  t.equal(await ann.locator('#players .player[data-online="true"]').count(), 2, 'both players of the roster have the online dot');

  await bo.click('#ready');
  await ann.waitForSelector('#players .player.is-ready[data-name="Bo"]');
  await ann.waitForSelector('#feed li:has-text("Bo is ready")');
  t.pass('Ann sees Bo ready up');

  await ann.fill('#chat-input', 'gl hf!');
  await ann.press('#chat-input', 'Enter');
  await bo.waitForSelector('#feed .chat:has-text("gl hf!")');
  await bo.fill('#chat-input', 'you too, have fun');
  await bo.press('#chat-input', 'Enter');
  await ann.waitForSelector('#feed .chat:has-text("you too, have fun")');
  t.pass('each sees the other\'s chat');
  await shot(ann, 'lobby-ann');
  await shot(bo, 'lobby-bo');

  const feedOf = (p: Page) => p.locator('#feed li').evaluateAll((els) => els.map((e) => e.querySelector('.text')?.textContent));
  const before = await feedOf(bo);
  await bo.reload();
  await bo.waitForSelector('#view-room:not([hidden])');
  await bo.waitForFunction((n) => document.querySelectorAll('#feed li').length >= n, before.length);
  t.same(await feedOf(bo), before, 'after the reload the whole history is there, once, in order');
  t.same(await players(bo), ['Ann', 'Bo'], 'the players too');
  t.ok(await bo.locator('#players .player.is-ready[data-name="Bo"]').count(), 'and Bo is still ready');
  await waitOnline(bo, ['Bo (you)', 'Ann (in the lobby)']);
  await waitOnline(ann, ['Ann (you)', 'Bo (in the lobby)']);
  t.pass('after the reload Bo\'s page lists who is online again, and Ann still sees Bo once (the old connection left, the new one joined)');

  // A second tab of Bo's (same browser: same player) is one more connection, not another player.
  const bo2 = await b.context.newPage();
  bo2.on('pageerror', (e) => errors.push(e.message));
  await bo2.goto(`${url}lobby#${code}`);
  await bo2.waitForSelector('#view-room:not([hidden])');
  await waitOnline(ann, ['Ann (you)', 'Bo (in the lobby · 2 tabs)']);
  await waitOnline(bo2, ['Bo (you · 2 tabs)', 'Ann (in the lobby)']);
  t.pass('Bo\'s two tabs: one row, "2 tabs"');
  await bo2.close();
  await waitOnline(ann, ['Ann (you)', 'Bo (in the lobby)']);
  t.pass('one tab closed: Bo is still online');

  await ann.fill('#chat-input', 'still here?');
  await ann.press('#chat-input', 'Enter');
  await bo.waitForSelector('#feed .chat:has-text("still here?")');
  t.pass('live updates continue after the reload');

  await ann.click('#ready');
  await bo.waitForSelector('#starting:not([hidden])');
  t.match(await bo.textContent('#starting'), /Match starting in \d|Match in progress/, 'everyone ready: the match starts');
  await shot(bo, 'lobby-starting');

  // Bo closes the page: the gateway's leave event takes Bo offline on Ann's page at once.
  await bo.close();
  await waitOnline(ann, ['Ann (you)']);
  t.equal(await ann.textContent('#online-count'), '1 online', 'Ann sees Bo leave "Online now"');
  await ann.waitForSelector('#players .player[data-name="Bo"][data-online="false"] .status.offline');
  t.match(await ann.textContent('#players .player[data-name="Bo"] .who'), /^Bo.*· offline$/, 'and Bo, still in the roster, is marked offline');
  t.match(await ann.textContent('#players .player[data-name="Ann"] .who'), /^Annhost · you$/, 'Ann is not');
  await shot(ann, 'lobby-presence-offline');
  t.same(errors, [], 'no page errors');
});
