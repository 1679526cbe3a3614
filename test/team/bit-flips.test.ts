// Bytes flipped anywhere in a team vault never make a lookup return a wrong value:
// every single-bit change, at every byte of a small file, is refused whole.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { open, smallTeam, text } from './fixtures.js';

describe('a team vault with one bit flipped', () => {
  it('is refused, wherever the bit is', async () => {
    const { vault, carol, memory } = await smallTeam();
    const bytes = Buffer.from(text(vault), 'utf8');
    const accepted: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const flipped = Buffer.from(bytes);
      flipped[i] ^= 1 << (i % 8);
      const outcome = await open(flipped.toString('utf8'), carol, { memory }).then(
        () => 'opened',
        (e: unknown) => (e instanceof UserError && e.code === 'team_refused' ? 'refused' : e),
      );
      if (outcome !== 'refused') accepted.push(i);
    }
    expect(accepted).toEqual([]);
  });
});
