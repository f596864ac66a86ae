import t from 'tap';
import { checkJsonDepth, checkJsonValue, checkKey, MAX_JSON_DEPTH, ownField, parseJson, UnsafeJsonError } from '../../proto/safe-json.js';

const protoSnapshot = () => Reflect.ownKeys(Object.prototype).map(String).sort().join(',');

t.test('parseJson refuses keys that reach a prototype, wherever they are', async (t) => {
  const before = protoSnapshot();
  const refused = [
    '{"__proto__":{"info":{"role":"admin"}}}',
    '{"constructor":{"prototype":{"json":"pwned"}}}',
    '{"a":[1,{"b":{"__proto__":{}}}]}',
    '[{"x":{"constructor":{"prototype":null}}}]',
    '{"\\u005f\\u005fproto\\u005f\\u005f":{"x":1}}',
    '{"c\\u006fnstructor":{"prototype":1}}',
  ];
  for (const text of refused) t.throws(() => parseJson(text), UnsafeJsonError, text);
  t.throws(() => parseJson('{"__proto__":1}'), /key "__proto__" refused/);
  t.throws(() => parseJson('{"constructor":{"prototype":1}}'), /"constructor\.prototype" refused/);
  t.equal(protoSnapshot(), before, 'Object.prototype untouched');
});

t.test('parseJson keeps what is harmless as it is', async (t) => {
  t.same(parseJson('{"constructor":"x","prototype":{"a":1},"toString":2}'), { constructor: 'x', prototype: { a: 1 }, toString: 2 });
  t.same(parseJson('{"constructor":{"name":"x"}}'), { constructor: { name: 'x' } });
  t.same(parseJson('{"a":"__proto__","b":"\\u0041"}'), { a: '__proto__', b: 'A' }, 'the words in values are fine');
  t.equal(parseJson('5'), 5);
  t.equal(parseJson('null'), null);
});

t.test('nesting is bounded before parsing, and counted without recursion', async (t) => {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  t.same(parseJson(deep(MAX_JSON_DEPTH)), JSON.parse(deep(MAX_JSON_DEPTH)));
  t.throws(() => parseJson(deep(MAX_JSON_DEPTH + 1)), /nested deeper than 32/);
  t.throws(() => parseJson('{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000)), UnsafeJsonError, '200k deep: refused, no stack overflow');
  t.doesNotThrow(() => checkJsonDepth('["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"["]'), 'brackets inside strings do not count');
  t.throws(() => parseJson('{'), /invalid JSON/);
  t.throws(() => parseJson('{"a":1}x'), /invalid JSON/);
});

t.test('checkJsonValue: decoded values (token claims) by the same rule', async (t) => {
  t.throws(() => checkJsonValue(JSON.parse('{"a":{"__proto__":{}}}')), UnsafeJsonError);
  t.throws(() => checkJsonValue([[{ constructor: { prototype: {} } }]]), UnsafeJsonError);
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  t.throws(() => checkJsonValue(deep), /nested deeper than 32/, 'deep values: refused without recursion');
  t.doesNotThrow(() => checkJsonValue({ a: [1, { b: 'c' }], constructor: 'x' }));
  t.doesNotThrow(() => checkJsonValue({ a: { b: 1 } }, 2));
  t.throws(() => checkJsonValue({ a: { b: {} } }, 2), UnsafeJsonError);
});

t.test('checkKey and ownField', async (t) => {
  t.throws(() => checkKey('__proto__', 1));
  t.throws(() => checkKey('constructor', { prototype: 1 }));
  t.doesNotThrow(() => checkKey('constructor', 'x'));
  t.doesNotThrow(() => checkKey('constructor', null));
  t.equal(ownField({}, 'toString'), undefined, 'inherited fields are not read');
  t.equal(ownField({ a: 1 }, 'a'), 1);
  t.equal(ownField(null, 'a'), undefined);
});
