import t from 'tap';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixture } from '../helpers/fixture.js';
import { freePort, waitFor } from '../helpers/ports.js';

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

/** Runs the CLI to its end; resolves with its exit code and output. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

t.test('every command has --help describing each option; usage mistakes are one line and exit 2', async (t) => {
  const options: Record<string, string[]> = {
    serve: ['--config', '--port', '--nats', '--workers'],
    tail: ['--url', '--since', '--rewind', '--json', '--token'],
    publish: ['--config', '--nats', '--type', '--id'],
    token: ['--config', '--sub', '--subscribe', '--publish', '--rpc', '--info', '--ttl'],
  };
  for (const [command, names] of Object.entries(options)) {
    const help = await cli([command, '--help']);
    t.equal(help.code, 0, `${command} --help exits 0`);
    for (const name of names) t.match(help.stdout, new RegExp(`\\n  ${name}\\b.*\\S`), `${command} --help describes ${name}`);
  }
  t.match((await cli(['--help'])).stdout, /Exit codes: 0 done, 1 failed/, 'the overview states the exit codes');

  const mistakes: Array<[string[], RegExp]> = [
    [['serve', '--port', 'abc'], /^jetgate: --port takes a whole number from 0 to 65535, not "abc"\n/],
    [['serve', '--nope'], /^jetgate: Unknown option '--nope'\n/],
    [['publish', 'test:x'], /^jetgate: publish needs <channel> <payload>\n/],
    [['tail'], /^jetgate: tail needs a <channel>\n/],
    [['tail', 'test:x', '--since', 'x'], /^jetgate: --since takes SEQ or SEQ:EPOCH, not "x"\n/],
    [['token'], /^jetgate: token needs --sub USER\n/],
    [['frobnicate'], /^jetgate: unknown command "frobnicate"\n/],
  ];
  for (const [args, message] of mistakes) {
    const r = await cli(args);
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, message, `${args.join(' ')}: one clear line`);
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

t.test('tail exits 1 with the coded error when the channel is refused, and names the URL and reason when it cannot connect', async (t) => {
  const { url } = await fixture(t);
  for (const [channel, code] of [['hello', 1004], ['nope:x', 1005]] as const) {
    const r = await cli(['tail', channel, '--url', url]);
    t.equal(r.code, 1, `tail ${channel} exits 1`);
    t.match(r.stderr, new RegExp(`^jetgate: .*\\[${code}\\]$`, 'm'), `and prints error ${code}`);
  }
  const dead = `ws://127.0.0.1:${await freePort()}/ws`;
  const p = spawn(process.execPath, [BIN, 'tail', 'test:x', '--url', dead]);
  t.teardown(() => p.kill());
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await waitFor('a disconnect line', () => /# disconnected from/.test(err), 30_000);
  t.match(err, `# connecting to ${dead}`, 'says where it connects');
  t.match(err, new RegExp(`# disconnected from ${dead.replace(/[/.]/g, '\\$&')}: connect ECONNREFUSED .*; retrying in \\d+ ms`), 'and why it failed, and when it retries');
});

t.test('publish to an unreachable NATS is one line, exit 1', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jg-cli-'));
  const config = join(dir, 'jetgate.json');
  writeFileSync(config, JSON.stringify({ streams: [{ name: 'TEST', subjects: ['test.>'] }], namespaces: [{ name: 'test', stream: 'TEST' }] }));
  const r = await cli(['publish', 'test:x', 'hi', '--config', config, '--nats', `nats://127.0.0.1:${await freePort()}`]);
  t.equal(r.code, 1);
  t.match(r.stderr, /^jetgate: cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: connection refused \[NATS_UNAVAILABLE\]\n$/i, r.stderr);
});

t.test('jetgate token mints a token the gateway accepts, with the grants asked for', async (t) => {
  const secret = 'cli-test-secret-' + 'y'.repeat(32);
  const f = await fixture(t, {
    auth: { hmacSecret: secret, audience: ['jetgate-cli-test'] },
    namespaces: [{ name: 'test', stream: 'TEST', anonymous: false }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'jg-token-'));
  const config = join(dir, 'jetgate.json');
  writeFileSync(config, JSON.stringify({ ...f.gw.config, nodeId: undefined }));
  const minted = await cli(['token', '--config', config, '--sub', 'ann', '--subscribe', 'test:allowed', '--info', '{"name":"Ann"}', '--ttl', '120']);
  t.equal(minted.code, 0, minted.stderr);
  const token = minted.stdout.trim();
  const c = await f.client('proto', token);
  t.ok((await c.request({ subscribe: { channel: 'test:allowed' } })).subscribe, 'the granted channel is served');
  t.equal((await c.request({ subscribe: { channel: 'test:other' } })).error?.code, 1009, 'another is not');
  const expiresAt = Number(c.received.find((m) => m.connect)?.connect?.expiresAt);
  t.ok(expiresAt > Date.now() + 60_000 && expiresAt <= Date.now() + 121_000, 'it expires after --ttl');
  t.match((await cli(['token', '--sub', 'ann', '--info', '[1]', '--config', config])).stderr, /--info takes a JSON object/);
});
