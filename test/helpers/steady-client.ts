/**
 * A well-behaved client on its own channel while an abuse or limit test runs beside it: publications
 * flow to test:steady, and the returned check says it got every one, in order, still connected.
 */
import type { Test } from 'tap';
import type { Fixture } from './fixture.js';
import { sleep } from './ports.js';

/**
 * A well-behaved client subscribed to test:steady while publications flow; the returned function
 * stops the flow and checks that it got every one, in order.
 */
export async function steadyClient(t: Test, f: Fixture): Promise<() => Promise<void>> {
  const good = await f.client();
  t.ok((await good.request({ subscribe: { channel: 'test:steady' } })).subscribe, 'the good client subscribed');
  const seqs: number[] = [];
  let stop = false;
  const flow = (async () => {
    while (!stop) {
      seqs.push(...await f.pub.publishMany('test.steady', 5));
      await sleep(20);
    }
  })();
  return async () => {
    stop = true;
    await flow;
    await good.until('every steady publication', () => good.pubsOf('test:steady').length >= seqs.length);
    t.same(good.pubsOf('test:steady').map((p) => p.seq), seqs, `the good client kept receiving all ${seqs.length}, in order`);
    t.equal(good.closeCode, undefined, 'and is still connected');
  };
}

