import t from 'tap';
import { chooseUwsBuild, glibcAtLeast, type Runtime } from '../../gateway/transport/uws-builds.js';

const rt = (abi: number, glibc: string | undefined, platform = 'linux', arch = 'x64'): Runtime => ({ abi, glibc, platform, arch, node: `v-abi${abi}` });
const pick = (r: Runtime) => {
  const c = chooseUwsBuild(r);
  return 'build' in c ? c.build.version : c.none;
};

t.test('glibc versions compare by number, not as text', async (t) => {
  t.ok(glibcAtLeast('2.41', '2.38'));
  t.ok(glibcAtLeast('2.38', '2.38'));
  t.notOk(glibcAtLeast('2.36', '2.38'));
  t.ok(glibcAtLeast('2.100', '2.38'), '2.100 is newer than 2.38');
  t.ok(glibcAtLeast('3.0', '2.38'));
});

t.test('the newest build that fits the ABI and glibc wins', async (t) => {
  t.equal(pick(rt(137, '2.41')), '20.57.0', 'Node 24 on Debian 13: upstream 20.57');
  t.equal(pick(rt(115, '2.41')), '20.57.0', 'Node 20 on glibc 2.41: upstream 20.57');
  t.equal(pick(rt(115, '2.36')), '20.30.0', 'Node 20 on Debian 12: the 20.30 redistribution');
  t.equal(pick(rt(108, '2.36')), '20.30.0', 'Node 18 on Debian 12');
  t.equal(pick(rt(137, undefined, 'darwin', 'arm64')), '20.57.0', 'no glibc asked off Linux');
  t.equal(pick(rt(115, '2.36', 'linux', 'arm')), '20.30.0', '32-bit ARM only in 20.30');
});

t.test('when none fits, the reason names the ABI and glibc found and what each build needs', async (t) => {
  const why = pick(rt(137, '2.36'));
  t.match(why, /ABI 137/);
  t.match(why, /glibc 2\.36/);
  t.match(why, /20\.57\.0 needs Node 20\/22\/24\/25 \(ABI 115\/127\/137\/141\) and, on Linux, glibc >= 2\.38/);
  t.match(why, /20\.30\.0 needs Node 16\/18\/20 \(ABI 93\/108\/115\) and, on Linux, glibc >= 2\.28/);
  t.match(pick(rt(115, '2.27')), /glibc 2\.27/, 'Node 20 on a glibc older than both');
  t.match(pick(rt(115, undefined)), /no glibc \(musl\?\)/, 'musl Linux: no build');
  t.match(pick(rt(147, '2.41')), /ABI 147/, 'a Node newer than every build');
  t.match(pick(rt(137, undefined, 'freebsd')), /freebsd-x64/, 'an unsupported platform');
});
