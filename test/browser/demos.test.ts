import t, { type Test } from 'tap';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium, SCREENSHOTS } from '../helpers/browser.js';
import { demoStack } from '../helpers/demo-stack.js';

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

/** The width the pages must fit without wrapping a value (a common laptop screen). */
const VIEWPORT = { width: 1280, height: 800 };

/** A page at VIEWPORT that records page errors and failed requests (a missing favicon is one). */
async function openPage(context: BrowserContext, problems: string[]): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(VIEWPORT);
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  return page;
}

/** The page's icon and logo are there (no 404), and its text holds no emoji. */
async function checkLooks(t: Test, page: Page): Promise<void> {
  const path = new URL(page.url()).pathname;
  t.equal(await page.getAttribute('link[rel="icon"]', 'href'), '/favicon.svg', `${path}: the tab's icon`);
  const icon = await page.evaluate(async () => {
    const r = await fetch(document.querySelector<HTMLLinkElement>('link[rel="icon"]')!.href);
    return [r.status, r.headers.get('content-type'), (await r.text()).startsWith('<svg ')];
  });
  t.same(icon, [200, 'image/svg+xml', true], `${path}: the icon is served`);
  await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('img.logo')?.naturalWidth ?? 0) > 0);
  t.same(await emojiOn(page), [], `${path}: no emoji in the text`);
}

/** Emoji in the page's text: they need a font many machines lack (and draw as empty boxes). */
const emojiOn = (p: Page) => p.evaluate(() => document.body.innerText.match(/\p{Extended_Pictographic}/gu) ?? []);

/**
 * Value cells that wrap onto a second line or overflow their box, after setting those named in
 * `widest` to the widest text they can show (all in one turn: live updates cannot interleave).
 * Also reports a page wider than the window.
 */
const wrappedValues = (p: Page, selectors: string[], widest: Record<string, string> = {}) => p.evaluate(([sels, widest]) => {
  for (const [sel, text] of Object.entries(widest)) document.querySelectorAll(sel).forEach((e) => (e.textContent = text));
  const cells = sels.flatMap((sel) => Array.from(document.querySelectorAll<HTMLElement>(sel), (e) => ({ sel, e })));
  const bad = cells.flatMap(({ sel, e }) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    const lines = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top))).size;
    return lines > 1 || (e.clientWidth > 0 && e.scrollWidth > e.clientWidth) ? [`${sel} "${e.textContent}" (${lines} lines, ${e.scrollWidth}/${e.clientWidth} px)`] : [];
  });
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) bad.push(`the page is ${doc.scrollWidth} px wide`);
  return { checked: cells.length, bad };
}, [selectors, widest] as const);

t.test('dashboard: samples arrive and charts update in place; a reload resumes and replays what it missed', async (t) => {
  const { url } = await demoStack(t);
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const errors: string[] = [];
  const page = await openPage(browser.context, errors);
  await page.goto(url);
  await checkLooks(t, page);
  t.equal(await page.locator('.card h2 svg.icon').count(), 2, 'the home page\'s cards have drawn icons');
  const ico = await fetch(url + 'favicon.ico');
  t.same([ico.status, ico.headers.get('content-type')], [200, 'image/svg+xml'], '/favicon.ico too, for what asks without reading the page');
  await shot(page, 'home');
  await page.goto(url + 'dashboard');
  await page.waitForSelector('#conn[data-state="connected"]');
  await page.waitForFunction(() => document.querySelectorAll('#hosts .host').length === 6);
  const first = await page.textContent('#last-update');
  await page.waitForFunction((before) => document.querySelector('#last-update')?.textContent !== before, first);
  t.match(await page.textContent('#kpi-rps'), /^[\d,]+$/, 'KPIs filled');
  t.equal(await page.locator('#hosts .host').count(), 6, 'one card per host, updated in place (not appended)');
  await checkLooks(t, page);

  // Each host's CPU and memory bars say what they are, on screen and to assistive technology.
  for (const [name, metric] of [['CPU', 'cpu'], ['Memory', 'memory']] as const) {
    const meters = page.getByRole('meter', { name, exact: true });
    t.equal(await meters.count(), 6, `a "${name}" bar per host`);
    const shown = await page.locator(`.host .meter[data-metric="${metric}"]`).evaluateAll((els) => els.map((e) => [e.querySelector('.label')?.textContent, e.getAttribute('aria-valuetext'), e.querySelector('.value')?.textContent]));
    t.ok(shown.every(([label, said, value]) => label === name && /^\d+%$/.test(said ?? '') && said === value), `each "${name}" bar shows its label and the value it reads out: ${JSON.stringify(shown[0])}`);
  }

  // No value wraps at 1280 px: neither those shown now nor the widest each cell can show.
  const values = ['.kpi strong', '.host .value', '.host h3', '.host .region', '#last-update', '.conn-label'];
  const now = await wrappedValues(page, values);
  t.ok(now.checked >= 5 + 6 * 4 + 2, `value cells checked: ${now.checked}`);
  t.same(now.bad, [], 'no value wraps at 1280 px');
  const widest = await wrappedValues(page, values, {
    '#kpi-rps': '99,999', '#kpi-cpu': '100%', '#kpi-p95': '9,999 ms', '#kpi-err': '100.00%', '#kpi-alerts': '99',
    '.host [data-metric="rps"] .value': '99,999', '.host [data-metric="p95"] .value': '9,999 ms', '.host .meter .value': '100%',
    '#last-update': 'Last sample 12:59:59 PM · seq 99999999',
  });
  t.same(widest.bad, [], 'nor at its widest (99,999 requests/s, 9,999 ms, 100%)');
  await page.waitForTimeout(3000); // let the charts draw a few seconds of data
  await shot(page, 'dashboard');

  await page.reload();
  await page.waitForSelector('#resume:not([hidden])');
  await page.waitForFunction(() => /missed samples replayed, no gap/.test(document.querySelector('#resume')?.textContent ?? ''), undefined, { timeout: 10_000 });
  const banner = (await page.textContent('#resume')) ?? '';
  t.match(banner, /Resumed after reload from seq \d+: \d+ missed samples replayed, no gap\./);
  await page.waitForFunction(() => document.querySelectorAll('#hosts .host').length === 6);
  await shot(page, 'dashboard-after-reload');
  t.same(errors, [], 'no page errors, no failed requests');
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
  const errors: string[] = [];
  const ann = await openPage(a.context, errors);
  const bo = await openPage(b.context, errors);

  await ann.goto(url + 'lobby');
  await ann.waitForSelector('#conn[data-state="connected"]');
  await checkLooks(t, ann);
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

  // Avatars: a colour each, the same on both screens, in the roster and in "Online now".
  const avatarColours = (p: Page, list: string) => p.locator(`${list} [data-name] .avatar`).evaluateAll((els) => Object.fromEntries(els.map((e) => [e.closest<HTMLElement>('[data-name]')!.dataset.name, getComputedStyle(e).backgroundColor])));
  const colours = await avatarColours(ann, '#players');
  t.not(colours.Ann, colours.Bo, `Ann and Bo have different avatar colours: ${JSON.stringify(colours)}`);
  t.same(await avatarColours(bo, '#players'), colours, 'Bo\'s screen shows the same colours');
  t.same(await avatarColours(ann, '#online'), colours, 'and so does "Online now"');
  for (const p of [ann, bo]) {
    const wrapped = await wrappedValues(p, ['#room-seats', '.badge', '#online-count', '.conn-label', '.feed time', '.player .who strong']);
    t.same(wrapped.bad, [], `no value wraps at 1280 px (${wrapped.checked} checked)`);
  }

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
  const bo2 = await openPage(b.context, errors);
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

  // Cy, not in the lobby, sees it open; once the match starts it leaves Cy's "Open lobbies".
  const c = await launchChromium();
  t.teardown(() => c.close());
  const cy = await openPage(c.context, errors);
  await cy.goto(url + 'lobby');
  await cy.waitForSelector(`#lobby-list .lobby-row:has-text("#${code}") button:has-text("Join")`);
  const listed = await wrappedValues(cy, ['#lobby-list .seats', '#lobby-list .lobby-row button']);
  t.same(listed.bad, [], 'the list\'s values do not wrap either');
  await ann.click('#ready');
  await bo.waitForSelector('#starting:not([hidden])');
  await cy.waitForSelector('#lobby-list .empty:has-text("No open lobbies")', { timeout: 15_000 });
  t.equal(await cy.locator('#lobby-list .lobby-row').count(), 0, 'the started lobby is gone from "Open lobbies" on another player\'s screen');
  await shot(cy, 'lobby-list-after-start');
  await c.close();

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
  t.same(errors, [], 'no page errors, no failed requests');
});
