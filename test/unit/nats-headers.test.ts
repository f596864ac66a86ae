import t from 'tap';
import { MsgHdrsImpl, headers } from '@nats-io/nats-core';
import { readHeaders } from '../../gateway/nats/headers.js';

const NAMES = ['Nats-Sequence', 'Nats-Subject', 'Nats-Last-Sequence', 'Jetgate-Type'];

t.test('reads what nats.js reads: exact names, first value, trimmed, "" when absent', async (t) => {
  const cases: Array<[string, Array<[string, string]>]> = [
    ['republished', [['Nats-Stream', 'BENCH'], ['Nats-Subject', 'bench.c7'], ['Nats-Sequence', '1207'], ['Nats-Last-Sequence', '1190']]],
    ['with a type and other headers', [['traceparent', '00-ab-cd-01'], ['Jetgate-Type', 'lobby.v1.Joined'], ['Nats-Sequence', '5'], ['Nats-Subject', 'a.b']]],
    ['repeated header: the first wins', [['Nats-Sequence', '1'], ['Nats-Sequence', '2'], ['Nats-Subject', 'x']]],
    ['other case is another header', [['nats-sequence', '9'], ['Nats-Subject', 'x']]],
    ['a name that prefixes another', [['Nats-Sequence-X', '3'], ['Nats-Sequence', '4']]],
    ['non-ASCII and colons in values', [['Jetgate-Type', 'ü.Ω:v2'], ['Nats-Subject', 'é.f']]],
    ['none of them', [['Other', 'v']]],
  ];
  for (const [what, entries] of cases) {
    const h = headers();
    for (const [k, v] of entries) h.append(k, v);
    const block = (h as MsgHdrsImpl).encode();
    const theirs = MsgHdrsImpl.decode(block);
    t.same(readHeaders(block, NAMES), NAMES.map((n) => theirs.get(n)), what);
  }
});

t.test('status line and padding', async (t) => {
  const block = new TextEncoder().encode('NATS/1.0 100 Idle Heartbeat\r\nNats-Sequence:   42  \r\nNats-Subject:a\r\n\r\n');
  t.same(readHeaders(block, NAMES), ['42', 'a', '', '']);
  t.same(readHeaders(new TextEncoder().encode('NATS/1.0\r\n\r\n'), NAMES), ['', '', '', '']);
});
