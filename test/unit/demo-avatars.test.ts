import t from 'tap';
import { PALETTE, avatarColors } from '../../demo/web/avatars.js';

t.test('avatar colours go by seat: everyone in a full lobby has a different one', async (t) => {
  const roster = ['h0st', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'];
  const colors = avatarColors(roster);
  t.equal(new Set(colors.values()).size, 8, 'eight players, eight colours');
  t.same([colors.get('h0st'), colors.get('p2')], [PALETTE[0], PALETTE[1]], 'the first two players: the two most different colours');
  t.same(avatarColors(['p2', 'p2', 'p3']), new Map([['p2', PALETTE[0]], ['p3', PALETTE[1]]]), 'an id given twice (a player with two tabs) is one seat');
  t.equal(avatarColors([...roster, 'watcher']).get('watcher'), PALETTE[0], 'after eight, the colours repeat');
});

t.test('a player keeps their colour when later players join or leave', async (t) => {
  const before = avatarColors(['ann', 'bo', 'cy']);
  const joined = avatarColors(['ann', 'bo', 'cy', 'di']);
  const left = avatarColors(['ann', 'bo']);
  t.same(['ann', 'bo', 'cy'].map((p) => joined.get(p)), ['ann', 'bo', 'cy'].map((p) => before.get(p)), 'someone joins: nobody changes colour');
  t.same(['ann', 'bo'].map((p) => left.get(p)), ['ann', 'bo'].map((p) => before.get(p)), 'the last one leaves: nobody changes colour');
});
