import t from 'tap';
import { addressKey, ConnectionCounter, originAllowed } from '../../gateway/transport/admission.js';

t.test('origins: exact, subdomain wildcard, any; no Origin header passes', async (t) => {
  const allowed = ['https://app.example.com', 'https://*.example.org', 'http://localhost:3000'];
  t.ok(originAllowed('https://app.example.com', allowed));
  t.ok(originAllowed('HTTPS://App.Example.com', allowed), 'case-insensitive');
  t.ok(originAllowed('https://a.example.org', allowed));
  t.ok(originAllowed('https://a.b.example.org', allowed));
  t.ok(originAllowed('http://localhost:3000', allowed));
  t.notOk(originAllowed('http://localhost:3001', allowed), 'the port is part of the origin');
  t.notOk(originAllowed('https://example.org', allowed), 'the wildcard needs a subdomain');
  t.notOk(originAllowed('https://evilexample.org', allowed));
  t.notOk(originAllowed('http://a.example.org', allowed), 'the scheme is part of the origin');
  t.notOk(originAllowed('https://app.example.com.evil.net', allowed));
  t.notOk(originAllowed('null', allowed), 'sandboxed pages send "null"');
  t.ok(originAllowed('', allowed), 'no Origin: not a browser');
  t.ok(originAllowed('https://anything', []), 'an empty list allows every origin');
  t.ok(originAllowed('https://anything', ['*']));
});

t.test('address keys: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by /64', async (t) => {
  t.equal(addressKey('127.0.0.1'), '127.0.0.1');
  t.equal(addressKey('0000:0000:0000:0000:0000:ffff:7f00:0001'), '127.0.0.1', 'uWS writes IPv4 clients of a dual-stack socket like this');
  t.equal(addressKey('::ffff:10.1.2.3'), '10.1.2.3');
  t.equal(addressKey('2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
  t.equal(addressKey('2001:db8:1:2::1'), '2001:db8:1:2::/64', 'compressed and full forms agree');
  t.equal(addressKey('0000:0000:0000:0000:0000:0000:0000:0001'), '0:0:0:0::/64');
  t.equal(addressKey('::1'), '0:0:0:0::/64');
  t.equal(addressKey('not an address'), 'not an address');
});

t.test('connection counter: at most max per key; released slots are reused; 0 is no limit', async (t) => {
  const c = new ConnectionCounter(2);
  t.ok(c.admit('a'));
  t.ok(c.admit('a'));
  t.notOk(c.admit('a'), 'third refused');
  t.ok(c.admit('b'), 'other addresses unaffected');
  c.release('a');
  t.ok(c.admit('a'), 'a slot freed');
  const unlimited = new ConnectionCounter(0);
  t.ok(Array.from({ length: 10_000 }, () => unlimited.admit('x')).every(Boolean), 'no limit');
});
