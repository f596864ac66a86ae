import t from 'tap';
import { subjectCovered } from '../../gateway/nats/subjects.js';

t.test('subject coverage', async (t) => {
  t.ok(subjectCovered('a.>', 'a.b'));
  t.ok(subjectCovered('a.>', 'a.b.c.>'));
  t.ok(subjectCovered('a.*.c', 'a.x.c'));
  t.ok(subjectCovered('a.*.>', 'a.*.c'));
  t.notOk(subjectCovered('a.>', 'a'));
  t.notOk(subjectCovered('a.*', 'a.>'));
  t.notOk(subjectCovered('a.b', 'a.*'));
  t.notOk(subjectCovered('a.*.c', 'a.x.d'));
  t.notOk(subjectCovered('b.>', 'a.b'));
});
