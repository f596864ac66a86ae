import t from 'tap';
import { compilePattern, covers, PatternError } from '../../gateway/auth/patterns.js';
import { compileGrants } from '../../gateway/auth/grants.js';
import { ANONYMOUS, authorize, isAllowed, type Identity } from '../../gateway/auth/identity.js';
import { validateConfig } from '../../gateway/config/load.js';
import { ACTIONS, type Action } from '../../gateway/config/schema.js';
import { ErrorCode } from '../../proto/codes.js';

const c = (p: string, target: string, user = 'alice') => covers(compilePattern(p), target, user);

t.test('literal, "*" and ">" patterns', async (t) => {
  t.ok(c('lobby:42', 'lobby:42'));
  t.notOk(c('lobby:42', 'lobby:43'));
  t.notOk(c('lobby:42', 'lobby:42/x'), 'a literal is not a prefix');
  t.notOk(c('lobby:42/x', 'lobby:42'));
  t.ok(c('lobby:*', 'lobby:42'));
  t.notOk(c('lobby:*', 'lobby:42/x'), '"*" is one segment');
  t.ok(c('lobby:*/chat', 'lobby:42/chat'));
  t.ok(c('lobby:>', 'lobby:42'));
  t.ok(c('lobby:>', 'lobby:42/x/y'));
  t.notOk(c('lobby:a/>', 'lobby:a'), '">" needs at least one segment');
  t.notOk(c('lobby:*', 'chat:42'), 'namespace must match');
  t.ok(c('*:public', 'chat:public'), '"*" namespace');
  t.ok(c('*:>', 'anything:at/all'));
  t.notOk(c('lobby:*', 'lobby:'), 'empty names never match');
  t.notOk(c('lobby:>', 'lobby:a//b'));
  t.notOk(c('lobby:*', 'lobby'), 'no namespace separator');
});

t.test('wildcard targets need a pattern at least as wide', async (t) => {
  t.ok(c('metrics:>', 'metrics:*/cpu'));
  t.ok(c('metrics:*/cpu', 'metrics:*/cpu'));
  t.notOk(c('metrics:web-1/cpu', 'metrics:*/cpu'), 'a literal does not cover "*"');
  t.notOk(c('metrics:*', 'metrics:>'), '"*" does not cover ">"');
  t.ok(c('metrics:>', 'metrics:>'));
  t.ok(c('metrics:a/>', 'metrics:a/*/b'));
  t.notOk(c('metrics:*/cpu', 'metrics:>'));
});

t.test('{sub} is the user id, compared literally and only when it is a valid segment', async (t) => {
  t.ok(c('user:{sub}', 'user:alice'));
  t.notOk(c('user:{sub}', 'user:bob'));
  t.ok(c('user:{sub}/>', 'user:alice/inbox/1'));
  t.ok(c('dm:{sub}-inbox', 'dm:alice-inbox'));
  t.notOk(c('user:{sub}', 'user:*', '*'), 'a user called "*" gets no wildcard');
  t.notOk(c('user:{sub}', 'user:*'), 'wildcard target never matches {sub}');
  t.notOk(c('user:{sub}', 'user:a/b', 'a/b'), 'a user id with "/" matches nothing');
  t.notOk(c('user:{sub}', 'user:a.b', 'a.b'));
  t.notOk(c('user:{sub}', 'user:', ''), 'an empty user id matches nothing');
  t.notOk(c('user:{sub}', 'user:élise', 'élise'));
});

t.test('malformed patterns are refused', async (t) => {
  for (const p of ['', 'lobby', 'Lobby:x', 'lobby:a.b', 'lobby:a b', 'lobby:>/a', 'lobby:', 'lobby:a//b', 'lobby:{user}', 'lobby:{sub', ':x', 'lobby:ａ', 'x'.repeat(2000) + ':a', 'lobby:a\n']) {
    t.throws(() => compilePattern(p), PatternError, JSON.stringify(p.slice(0, 30)));
  }
  t.throws(() => compileGrants('token', { subscribe: 'lobby:*' }), /must be a list/);
  t.throws(() => compileGrants('token', { subscribe: [42] }), /strings/);
  t.throws(() => compileGrants('token', { subscribe: new Array(257).fill('lobby:*') }), /more than 256/);
});

const config = validateConfig({
  streams: [{ name: 'S', subjects: ['s.>'] }],
  namespaces: [
    { name: 'public', stream: 'S', anonymous: true },
    { name: 'open', stream: 'S', anonymous: ['subscribe', 'publish'] },
    { name: 'private', stream: 'S' },
    { name: 'user', stream: 'S', grants: { subscribe: ['user:{sub}'], publish: ['user:{sub}/outbox'], rpc: ['user:whoami'] } },
  ],
});
const ns = (name: string) => config.namespaces.find((n) => n.name === name)!;
const alice = (grants: Parameters<typeof compileGrants>[1] = {}): Identity => ({ user: 'alice', expiresAt: 0, grants: compileGrants('token', grants) });

t.test('authorization matrix: every action, anonymous and token grants, namespace rules', async (t) => {
  type Row = [who: string, id: Identity, nsName: string, action: Action, target: string, allowed: boolean];
  const reader = alice({ subscribe: ['private:room/*'] });
  const writer = alice({ publish: ['private:room/*'], rpc: ['private:lookup'] });
  const rows: Row[] = [
    // anonymous: `anonymous: true` is reading only; a list says exactly what
    ...(['subscribe', 'history', 'presence'] as const).map((a): Row => ['anon', ANONYMOUS, 'public', a, 'public:x', true]),
    ['anon', ANONYMOUS, 'public', 'publish', 'public:x', false],
    ['anon', ANONYMOUS, 'public', 'rpc', 'public:m', false],
    ['anon', ANONYMOUS, 'open', 'subscribe', 'open:x', true],
    ['anon', ANONYMOUS, 'open', 'publish', 'open:x', true],
    ['anon', ANONYMOUS, 'open', 'history', 'open:x', false],
    ['anon', ANONYMOUS, 'open', 'rpc', 'open:m', false],
    ...ACTIONS.map((a): Row => ['anon', ANONYMOUS, 'private', a, 'private:room/1', false]),
    // a token without grants may still do what anonymous connections may
    ['no grants', alice(), 'public', 'subscribe', 'public:x', true],
    ['no grants', alice(), 'private', 'subscribe', 'private:room/1', false],
    // the subscribe grant covers reading: subscribe, history, presence
    ...(['subscribe', 'history', 'presence'] as const).map((a): Row => ['reader', reader, 'private', a, 'private:room/1', true]),
    ['reader', reader, 'private', 'subscribe', 'private:other', false],
    ['reader', reader, 'private', 'publish', 'private:room/1', false],
    ['reader', reader, 'private', 'rpc', 'private:lookup', false],
    // publish and rpc grants are their own
    ['writer', writer, 'private', 'publish', 'private:room/1', true],
    ['writer', writer, 'private', 'publish', 'private:room/1/x', false],
    ['writer', writer, 'private', 'subscribe', 'private:room/1', false],
    ['writer', writer, 'private', 'rpc', 'private:lookup', true],
    ['writer', writer, 'private', 'rpc', 'private:delete', false],
    // namespace grants go to every authenticated connection, with {sub} as its user
    ['alice', alice(), 'user', 'subscribe', 'user:alice', true],
    ['alice', alice(), 'user', 'history', 'user:alice', true],
    ['alice', alice(), 'user', 'presence', 'user:alice', true],
    ['alice', alice(), 'user', 'subscribe', 'user:bob', false],
    ['alice', alice(), 'user', 'publish', 'user:alice/outbox', true],
    ['alice', alice(), 'user', 'publish', 'user:bob/outbox', false],
    ['alice', alice(), 'user', 'rpc', 'user:whoami', true],
    ['anon', ANONYMOUS, 'user', 'subscribe', 'user:alice', false],
    ['anon', ANONYMOUS, 'user', 'rpc', 'user:whoami', false],
    // a token's per-user pattern
    ['own', alice({ subscribe: ['private:{sub}/>'] }), 'private', 'subscribe', 'private:alice/notes', true],
    ['own', alice({ subscribe: ['private:{sub}/>'] }), 'private', 'subscribe', 'private:bob/notes', false],
  ];
  for (const [who, id, nsName, action, target, allowed] of rows) {
    t.equal(isAllowed(id, ns(nsName), action, target), allowed, `${who} ${action} ${target}: ${allowed ? 'allowed' : 'denied'}`);
  }
  t.throws(() => authorize(ANONYMOUS, ns('private'), 'subscribe', 'private:x'), { code: ErrorCode.PermissionDenied, message: /requires a token/ });
  t.throws(() => authorize(reader, ns('private'), 'publish', 'private:room/1'), { code: ErrorCode.PermissionDenied, message: /not granted/ });
  t.doesNotThrow(() => authorize(reader, ns('private'), 'history', 'private:room/1'));
});

t.test('namespace grants are checked with the configuration', async (t) => {
  const base = { streams: [{ name: 'S', subjects: ['s.>'] }] };
  t.throws(() => validateConfig({ ...base, namespaces: [{ name: 'a', stream: 'S', grants: { subscribe: ['b:{sub}'] } }] }), /must start with "a:"/);
  t.throws(() => validateConfig({ ...base, namespaces: [{ name: 'a', stream: 'S', grants: { publish: ['a:x.y'] } }] }), /namespaces\.a\.grants\.publish/);
  t.throws(() => validateConfig({ ...base, namespaces: [{ name: 'a', stream: 'S', anonymous: ['read'] }] }), /anonymous/);
});
