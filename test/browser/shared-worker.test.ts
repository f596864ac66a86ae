/**
 * The SDK's shared mode in Chromium: tabs of the dashboard (?shared=1) share one WebSocket owned
 * by a SharedWorker, subscriptions are counted across tabs, a tab closed and reopened resumes
 * exactly from its own position, and without a SharedWorker the page connects on its own.
 */
import t from 'tap';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { demoStack } from '../helpers/demo-stack.js';
import type { Fixture } from '../helpers/fixture.js';
import { http } from '../helpers/http.js';
import { waitFor } from '../helpers/ports.js';
import { parsePrometheus } from '../helpers/prometheus.js';

const SAMPLES = 'metrics:hosts/*';
const SAVE_KEY = 'jetgate-demo-dashboard';

/**
 * Records, per channel, the seq of every publication the worker hands this tab (window.__seqs).
 * The SDK in the tab drops nothing that arrives in order, so this is what the app gets.
 */
function recordSeqs(): void {
  const Original = window.SharedWorker;
  if (!Original) return;
  const seqs: Record<string, number[]> = {};
  (window as unknown as { __seqs: typeof seqs }).__seqs = seqs;
  window.SharedWorker = class extends Original {
    constructor(url: string | URL, options?: string | WorkerOptions) {
      super(url, options);
      this.port.addEventListener('message', (ev: MessageEvent<{ t: string; pub?: { channel: string; seq: number } }>) => {
        if (ev.data.t === 'pub' && ev.data.pub) (seqs[ev.data.pub.channel] ??= []).push(ev.data.pub.seq);
      });
    }
  };
}

const seqsOf = (p: Page): Promise<number[]> => p.evaluate((ch) => [...((window as unknown as { __seqs?: Record<string, number[]> }).__seqs?.[ch] ?? [])], SAMPLES);

async function gauges(f: Fixture): Promise<{ connections: number; subscriptions: number }> {
  const m = parsePrometheus((await http('GET', `${f.control}/metrics`)).text);
  return { connections: m.get('jetgate_connections'), subscriptions: m.get('jetgate_subscriptions') };
}

async function openDashboard(context: BrowserContext, url: string, errors: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url + 'dashboard?shared=1');
  await page.waitForSelector('#conn[data-state="connected"]', { timeout: 20_000 });
  await page.waitForFunction(() => document.querySelectorAll('#hosts .host').length === 6, undefined, { timeout: 20_000 });
  return page;
}

/** Waits until the page has seen `more` samples beyond what it had. */
async function moreSamples(page: Page, more: number): Promise<void> {
  const n = (await seqsOf(page)).length;
  await page.waitForFunction(([ch, want]) => ((window as unknown as { __seqs?: Record<string, number[]> }).__seqs?.[ch as string]?.length ?? 0) >= (want as number), [SAMPLES, n + more] as const, { timeout: 20_000 });
}

const increasing = (s: number[]) => s.every((v, i) => i === 0 || v > s[i - 1]!);

t.test('three dashboard tabs share one connection; a tab closed and reopened resumes exactly', async (t) => {
  const { url, f } = await demoStack(t);
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  await browser.context.addInitScript(recordSeqs);
  const errors: string[] = [];
  const tabs = [await openDashboard(browser.context, url, errors), await openDashboard(browser.context, url, errors), await openDashboard(browser.context, url, errors)];

  await waitFor('the gateway to count the tabs\' connection', async () => (await gauges(f)).connections === 1);
  t.same(await gauges(f), { connections: 1, subscriptions: 2 }, 'one connection, each channel subscribed once for the three tabs');
  for (const tab of tabs) await moreSamples(tab, 12);
  for (const [i, tab] of tabs.entries()) t.ok(increasing(await seqsOf(tab)), `tab ${i + 1} gets the samples, in order, once each`);

  // Close the third tab, keeping its session storage as a browser's "reopen closed tab" does.
  const leaving = tabs[2]!;
  await leaving.waitForFunction((key) => sessionStorage.getItem(key) !== null, SAVE_KEY); // saved every 2 s
  const saved = await leaving.evaluate((key) => sessionStorage.getItem(key), SAVE_KEY);
  t.ok(saved, 'the tab saved its position');
  const since = (JSON.parse(saved!) as { positions: Record<string, { seq: number }> }).positions[SAMPLES]!.seq;
  const before = await seqsOf(leaving);
  await leaving.close();
  t.ok(before.includes(since), 'the saved position is the last sample the tab got before closing');
  await moreSamples(tabs[0]!, 12); // samples published while the tab was closed
  t.equal((await gauges(f)).connections, 1, 'the other tabs keep the connection');

  const page = await browser.context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(([key, value]) => sessionStorage.setItem(key!, value!), [SAVE_KEY, saved!] as const);
  await page.goto(url + 'dashboard?shared=1');
  await page.waitForFunction(() => /missed samples replayed, no gap/.test(document.querySelector('#resume')?.textContent ?? ''), undefined, { timeout: 20_000 });
  t.match(await page.textContent('#resume'), new RegExp(`^Resumed after reload from seq ${since}: [1-9]\\d* missed samples replayed, no gap\\.$`));
  await moreSamples(page, 12);
  const resumed = await seqsOf(page);
  const reference = (await seqsOf(tabs[0]!)).filter((s) => s > since && s <= resumed[resumed.length - 1]!);
  t.same(resumed, reference, 'the reopened tab got exactly the samples after its position: no gap, no duplicate');
  t.ok(resumed.length > 12 && resumed[0]! > since, 'missed samples first, then live ones');

  // The first tab saw everything: its sequence is the channel's history over the same range.
  const seen = await seqsOf(tabs[0]!);
  const raw = await f.client();
  const stored: number[] = [];
  for (let from = seen[0]!; stored.length < seen.length;) {
    const page = (await raw.request({ history: { channel: SAMPLES, fromSeq: from, limit: 1000 } })).history!;
    stored.push(...(page.publications ?? []).map((p) => Number(p.seq)).filter((s) => s <= seen[seen.length - 1]!));
    if (!page.nextSeq) break;
    from = Number(page.nextSeq);
  }
  t.same(seen, stored.slice(0, seen.length), 'the tab that stayed open has every stored sample of its range');
  t.same(await gauges(f), { connections: 2, subscriptions: 2 }, 'still one connection of the tabs (and the history reader\'s)');
  raw.close();

  for (const tab of [tabs[0]!, tabs[1]!, page]) await tab.close();
  await waitFor('the connection to close with the last tab', async () => (await gauges(f)).connections === 0, 20_000);
  t.pass('the last tab closed: the worker closed the connection');
  t.same(errors, [], 'no page errors');
});

t.test('without SharedWorker, or when its script does not load, each tab connects on its own', async (t) => {
  const { url, f } = await demoStack(t);
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const errors: string[] = [];

  const missing = await browser.context.newPage();
  await missing.addInitScript(() => delete (window as { SharedWorker?: unknown }).SharedWorker);
  missing.on('pageerror', (e) => errors.push(e.message));
  await missing.goto(url + 'dashboard?shared=1');
  await missing.waitForSelector('#conn[data-state="connected"]', { timeout: 20_000 });
  await missing.waitForFunction(() => document.querySelectorAll('#hosts .host').length === 6, undefined, { timeout: 20_000 });
  t.equal(await missing.evaluate(() => typeof (window as { SharedWorker?: unknown }).SharedWorker), 'undefined', 'no SharedWorker in the page');

  const broken = await browser.context.newPage();
  await broken.route('**/jetgate-worker.min.js', (route) => route.fulfill({ status: 404, body: 'not found' }));
  broken.on('pageerror', (e) => errors.push(e.message));
  await broken.goto(url + 'dashboard?shared=1');
  await broken.waitForSelector('#conn[data-state="connected"]', { timeout: 20_000 });
  await broken.waitForFunction(() => document.querySelectorAll('#hosts .host').length === 6, undefined, { timeout: 20_000 });

  for (const page of [missing, broken]) {
    const first = await page.textContent('#last-update');
    await page.waitForFunction((b) => document.querySelector('#last-update')?.textContent !== b, first, { timeout: 20_000 });
  }
  t.pass('both pages get live samples');
  await waitFor('two connections', async () => (await gauges(f)).connections === 2);
  t.same(await gauges(f), { connections: 2, subscriptions: 4 }, 'a connection and subscriptions of each page\'s own');
  t.same(errors, [], 'no page errors');
});
