import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../helpers/fixture.js';
import { startGateway, testConfig } from '../helpers/gateway.js';
import { NatsServer } from '../helpers/nats-server.js';
import { RawClient } from '../helpers/raw-client.js';

/** A self-signed certificate for localhost/127.0.0.1 (openssl), its key optionally encrypted. */
function certificate(passphrase?: string): { certFile: string; keyFile: string; ca: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'jg-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
    ...(passphrase ? ['-passout', `pass:${passphrase}`] : ['-nodes']),
  ], { stdio: 'ignore' });
  return { certFile, keyFile, ca: readFileSync(certFile) };
}

let haveOpenssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  haveOpenssl = false;
}

t.test('the gateway terminates TLS: wss:// clients subscribe and receive; plain ws:// is not spoken', { skip: !haveOpenssl && 'openssl is needed to make a test certificate' }, async (t) => {
  const { certFile, keyFile, ca } = certificate('s3cret');
  const { gw, pub } = await fixture(t, { websocket: { tls: { certFile, keyFile, passphrase: 's3cret' } } });
  const c = await RawClient.open(`wss://localhost:${gw.port}/ws`, 'json', undefined, { ca });
  t.teardown(() => c.close());
  t.ok((await c.request({ connect: {} })).connect, 'connected over TLS, certificate verified');
  t.ok((await c.request({ subscribe: { channel: 'test:secure' } })).subscribe);
  const seqs = await pub.publishMany('test.secure', 5);
  await c.until('5', () => c.pubs.length >= 5);
  t.same(c.pubs.map((p) => p.seq), seqs, 'publications arrive over wss://');
  await t.rejects(RawClient.open(`ws://127.0.0.1:${gw.port}/ws`), 'plain WebSocket to the TLS port fails');
});

t.test('unusable TLS files stop the start-up with TLS_INVALID', { skip: !haveOpenssl && 'openssl is needed' }, async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const { certFile, keyFile } = certificate('right');
  await t.rejects(startGateway(testConfig(nats.url, { websocket: { tls: { certFile, keyFile, passphrase: 'wrong' } } })), { code: 'TLS_INVALID' }, 'wrong passphrase');
  await t.rejects(startGateway(testConfig(nats.url, { websocket: { tls: { certFile: '/nonexistent.pem', keyFile } } })), { code: 'TLS_INVALID', message: /cannot read/ }, 'missing file');
  await t.rejects(startGateway(testConfig(nats.url, { websocket: { tls: { certFile: keyFile, keyFile: certFile } } })), { code: 'TLS_INVALID' }, 'files swapped');
});
