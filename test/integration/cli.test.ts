import t from 'tap';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixture } from '../helpers/fixture.js';
import { waitFor } from '../helpers/ports.js';

const BIN = fileURLToPath(new URL('../../../bin/jetgate.js', import.meta.url));
const run = promisify(execFile);

t.test('jetgate publish and jetgate tail (live, then --since)', async (t) => {
  const { nats, gw, url } = await fixture(t);
  const dir = mkdtempSync(join(tmpdir(), 'jg-cli-'));
  const config = join(dir, 'jetgate.json');
  writeFileSync(config, JSON.stringify({ ...gw.config, nodeId: undefined }));
  const publish = async (payload: string) => {
    const { stdout } = await run(process.execPath, [BIN, 'publish', 'test:cli', payload, '--config', config, '--nats', nats.url]);
    const m = /seq=(\d+)/.exec(stdout);
    t.ok(m, `publish printed the sequence: ${stdout.trim()}`);
    return Number(m?.[1]);
  };
  const tail = (args: string[]) => {
    const p = spawn(process.execPath, [BIN, 'tail', 'test:cli', '--url', url, ...args]);
    const lines: string[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    t.teardown(() => p.kill());
    return { lines, err: () => err, stop: () => p.kill('SIGINT') };
  };

  const live = tail([]);
  await waitFor('tail subscribed', () => /subscribed to test:cli/.test(live.err()));
  const s1 = await publish('hello');
  const s2 = await publish('world');
  await waitFor('two lines', () => live.lines.length >= 2);
  t.same(live.lines, [`${s1}\thello`, `${s2}\tworld`], 'tail prints sequence and payload');
  live.stop();

  const s3 = await publish('missed');
  const resumed = tail(['--since', String(s2)]);
  await waitFor('the missed one', () => resumed.lines.length >= 1);
  t.same(resumed.lines, [`${s3}\tmissed`], '--since prints exactly what was missed');
  t.match(resumed.err(), /resumed/);

  const bad = await run(process.execPath, [BIN, 'publish', 'test:a.b', 'x', '--config', config]).catch((e: { code: number; stderr: string }) => e);
  t.equal((bad as { code: number }).code, 1);
  t.match((bad as { stderr: string }).stderr, /channel name segments/);
});
