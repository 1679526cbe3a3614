// The threat model of docs/team-vault.md, one attack per test: eve can push to the
// repository but is not a member; bob is a member kept out of production, and later
// removed. Each attack must be refused, as one line naming the file.
import { describe, expect, it } from 'vitest';
import { hashLine, lineOf, parseTeamFile } from '../../src/team/format.js';
import { encryptValue, keyCheck, newScopeKey, sealKey } from '../../src/team/sealing.js';
import { addMember, createTeam, lookupTeamSecret, removeMember, setTeamSecret } from '../../src/team/team-vault.js';
import {
  APP,
  appendLogAs,
  FILE,
  forgedSecret,
  join,
  joinCode,
  lines,
  newIdentity,
  now,
  open,
  SCOPES,
  secretLineIndex,
  smallTeam,
  text,
  withLine,
} from './fixtures.js';
import { expectRefused } from './refused.js';

const PROD = 'shop/production/DATABASE_URL';

describe('someone who can push but is not a member', () => {
  it('cannot add a secret signed with their own key', async () => {
    const { vault, eve, carol, memory } = await smallTeam();
    const forged = await forgedSecret(eve, vault.team, 'eve', 'shop/EVIL', 1, 'chosen');
    await expectRefused(open(withLine(text(vault), -1, forged), carol, { memory }), /by eve, who is not a member/);
  });

  it("cannot write a value in a member's name", async () => {
    const { vault, eve, carol, memory } = await smallTeam();
    const forged = await forgedSecret(eve, vault.team, 'alice', PROD, 1, 'chosen');
    const at = secretLineIndex(text(vault), PROD);
    await expectRefused(open(withLine(text(vault), at, forged), carol, { memory }), /valid signature of alice/);
  });

  it("cannot swap a value's ciphertext, even for one sealed to the right scope key", async () => {
    const { vault, carol, memory } = await smallTeam();
    const source = text(vault);
    const staging = parseTeamFile(source).secrets.find((s) => s.record.secret === 'shop/RAILS_MASTER_KEY')!;
    const at = secretLineIndex(source, 'shop/RAILS_MASTER_KEY');
    const swapped = lineOf({ ...staging.record, value: await encryptValue('chosen', await newScopeKey(), 'x') });
    await expectRefused(open(withLine(source, at, swapped), carol, { memory }), /valid signature of alice/);
  });

  it('cannot move a value to another name or another scope', async () => {
    const { vault, carol, memory } = await smallTeam();
    const source = text(vault);
    const line = parseTeamFile(source).secrets.find((s) => s.record.secret === 'shop/staging/DATABASE_URL')!;
    const at = line.number - 1;
    for (const ref of ['shop/production/DATABASE_URL', 'shop/staging/OTHER', 'shop/DATABASE_URL']) {
      const moved = withLine(source, at, lineOf({ ...line.record, secret: ref }));
      const cleaned = ref === PROD ? withLine(moved, secretLineIndex(source, PROD)) : moved;
      await expectRefused(open(cleaned, carol, { memory }), /valid signature of alice/);
    }
  });

  it('cannot add themselves, in their own name or in a member’s', async () => {
    const { vault, eve, carol, memory } = await smallTeam();
    const add = {
      kind: 'add',
      at: now.toISOString(),
      member: { name: 'eve', recipient: eve.recipient, scopes: ['shop'] },
      keys: [],
      grants: [{ to: 'eve', scope: 'shop', epoch: 1, box: await sealKey(await newScopeKey(), eve.publicKey) }],
    } as const;
    const asEve = await appendLogAs(text(vault), eve, { ...add, by: 'eve' });
    await expectRefused(open(asEve, carol, { memory }), /signed as eve, who is not a member/);
    const asAlice = await appendLogAs(text(vault), eve, { ...add, by: 'alice' });
    await expectRefused(open(asAlice, carol, { memory }), /valid signature of alice/);
  });

  it('cannot remove a member by deleting their member change', async () => {
    const { vault, alice, memory } = await smallTeam();
    const source = text(vault);
    const log = parseTeamFile(source).log;
    // the middle one (bob's): the chain breaks
    await expectRefused(open(withLine(source, log[1].number - 1), alice, { memory }), /member change 2 is missing/);
    // the last one (carol's): a rollback, refused by what members remember
    await expectRefused(
      open(withLine(source, log[2].number - 1), alice, { memory }),
      /lacks member changes you have already seen/,
    );
  });

  it('cannot swap in a whole team of their own, even one listing the members', async () => {
    const { vault, eve, alice, bob, memory } = await smallTeam();
    let fake = await createTeam(eve, { file: FILE, app: APP, name: 'alice-admin', scopes: SCOPES, now });
    fake = await addMember(fake, { name: 'alice', recipient: alice.recipient, now });
    fake = await addMember(fake, { name: 'bob', recipient: bob.recipient, now });
    fake = (await setTeamSecret(fake, 'shop', 'RAILS_MASTER_KEY', 'chosen', now)).vault;
    await expectRefused(open(text(fake), alice, { memory }), /another team's file/);
    // a member who has not opened the real file yet only trusts its join code
    const code = joinCode(vault);
    await expectRefused(open(text(fake), bob, { joinCode: code }), /does not contain the member change your join code/);
  });

  it("cannot copy a line from another team's file, even one with the same members", async () => {
    const { vault, alice, carol, memory } = await smallTeam();
    let other = await createTeam(alice, { file: FILE, app: APP, name: 'alice', scopes: SCOPES, now });
    other = (await setTeamSecret(other, 'shop/production', 'DATABASE_URL', 'chosen', now)).vault;
    const copied = lines(text(other))[secretLineIndex(text(other), PROD)];
    const source = withLine(text(vault), secretLineIndex(text(vault), PROD), copied);
    await expectRefused(open(source, carol, { memory }), /valid signature of alice/);
  });

  it('cannot open it with a file of another app', async () => {
    const { vault, alice, memory } = await smallTeam();
    await expectRefused(open(text(vault), alice, { memory }, 'billing'), /belongs to app shop, not to billing/);
  });
});

describe('a member kept out of a scope', () => {
  it('cannot write into it, though the line carries their valid signature', async () => {
    const { vault, bob, carol, memory } = await smallTeam();
    const forged = await forgedSecret(bob, vault.team, 'bob', PROD, 1, 'chosen');
    const source = withLine(text(vault), secretLineIndex(text(vault), PROD), forged);
    await expectRefused(open(source, carol, { memory }), /by bob, who cannot read shop\/production/);
  });

  it('cannot give themselves or anyone else a scope they do not hold', async () => {
    const { vault, bob, eve, carol, memory } = await smallTeam();
    const forged = await appendLogAs(text(vault), bob, {
      kind: 'add',
      by: 'bob',
      at: now.toISOString(),
      member: { name: 'eve', recipient: eve.recipient, scopes: ['shop/production'] },
      keys: [],
      grants: [
        { to: 'eve', scope: 'shop/production', epoch: 1, box: await sealKey(await newScopeKey(), eve.publicKey) },
      ],
    });
    await expectRefused(open(forged, carol, { memory }), /gives eve shop\/production, which bob cannot read/);
  });
});

describe('a removed member', () => {
  it('cannot bring back the file from before their removal', async () => {
    const { vault, carol } = await smallTeam();
    const before = text(vault);
    const { vault: after } = await removeMember(vault, 'bob', now);
    const asCarol = await open(text(after), carol, { memory: vault.memory });
    await expectRefused(open(before, carol, { memory: asCarol.memory }), /lacks member changes you have already seen/);
  });

  it('cannot fork the history at their removal', async () => {
    const { vault, bob, eve, carol } = await smallTeam();
    const before = text(vault);
    const { vault: after } = await removeMember(vault, 'bob', now);
    const asCarol = await open(text(after), carol, { memory: vault.memory });
    // bob, still a member in the old history, adds eve there as change 4
    const fork = await appendLogAs(before, bob, {
      kind: 'add',
      by: 'bob',
      at: now.toISOString(),
      member: { name: 'eve', recipient: eve.recipient, scopes: ['shop'] },
      keys: [],
      grants: [{ to: 'eve', scope: 'shop', epoch: 1, box: await sealKey(await newScopeKey(), eve.publicKey) }],
    });
    await expectRefused(open(fork, carol, { memory: asCarol.memory }), /member change 4 is not the one you saw/);
  });

  it('cannot write a value with their old key and signature', async () => {
    const { vault, bob, carol, memory } = await smallTeam();
    const { vault: after } = await removeMember(vault, 'bob', now);
    for (const epoch of [1, 2]) {
      const forged = await forgedSecret(bob, vault.team, 'bob', 'shop/staging/DATABASE_URL', epoch, 'chosen');
      const source = withLine(text(after), secretLineIndex(text(after), 'shop/staging/DATABASE_URL'), forged);
      await expectRefused(open(source, carol, { memory }), /by bob, who is not a member/);
    }
  });

  it('cannot restore a line encrypted with a key that has since been replaced', async () => {
    const { vault, carol, memory } = await smallTeam();
    const old = lines(text(vault))[secretLineIndex(text(vault), 'shop/RAILS_MASTER_KEY')];
    const { vault: after } = await removeMember(vault, 'bob', now);
    const source = withLine(text(after), secretLineIndex(text(after), 'shop/RAILS_MASTER_KEY'), old);
    await expectRefused(open(source, carol, { memory }), /a key of shop that a member change has since replaced/);
  });
});

describe('a rogue member', () => {
  it('cannot hand members different keys for one scope', async () => {
    const { vault, alice, carol, memory } = await smallTeam();
    // alice removes bob, but seals carol a key other than the one she commits to
    const source = text(vault);
    const real = await newScopeKey();
    const other = await newScopeKey();
    const forged = await appendLogAs(source, alice, {
      kind: 'remove',
      by: 'alice',
      at: now.toISOString(),
      name: 'bob',
      keys: [
        { scope: 'shop', epoch: 2, check: await keyCheck(real, 'shop', 2) },
        { scope: 'shop/staging', epoch: 2, check: await keyCheck(real, 'shop/staging', 2) },
      ],
      grants: [
        { to: 'alice', scope: 'shop', epoch: 2, box: await sealKey(real, alice.publicKey) },
        { to: 'alice', scope: 'shop/staging', epoch: 2, box: await sealKey(real, alice.publicKey) },
        { to: 'carol', scope: 'shop', epoch: 2, box: await sealKey(other, carol.publicKey) },
        { to: 'carol', scope: 'shop/staging', epoch: 2, box: await sealKey(real, carol.publicKey) },
      ],
    });
    const withoutSecrets = join(lines(forged).filter((l) => !l.includes('"secret"')));
    await expectRefused(open(withoutSecrets, carol, { memory }), /the key of shop sealed to you .* not the key/);
  });

  it('cannot leave a remaining member without the new key', async () => {
    const { vault, alice, carol, memory } = await smallTeam();
    const key = await newScopeKey();
    const forged = await appendLogAs(text(vault), alice, {
      kind: 'remove',
      by: 'alice',
      at: now.toISOString(),
      name: 'bob',
      keys: ['shop', 'shop/staging'].map((scope) => ({ scope, epoch: 2, check: hashLine(scope) })),
      grants: [{ to: 'alice', scope: 'shop', epoch: 2, box: await sealKey(key, alice.publicKey) }],
    });
    await expectRefused(open(forged, carol, { memory }), /hands out scope keys to other members than it should/);
  });
});

describe('merges', () => {
  it('refuse one secret changed on two branches (both lines kept by merge=union)', async () => {
    const { vault, carol, memory } = await smallTeam();
    const a = await setTeamSecret(vault, 'shop', 'RAILS_MASTER_KEY', 'from branch a', now);
    const asCarol = await open(text(vault), carol, { memory });
    const b = await setTeamSecret(asCarol, 'shop', 'RAILS_MASTER_KEY', 'from branch b', now);
    const lineB = lines(text(b.vault))[secretLineIndex(text(b.vault), 'shop/RAILS_MASTER_KEY')];
    const merged = join([...lines(text(a.vault)), lineB]);
    await expectRefused(
      open(merged, carol, { memory }),
      /shop\/RAILS_MASTER_KEY is there twice \(line \d+, written by alice, and line \d+, by carol\)/,
    );
  });

  it('refuse two member changes made in parallel', async () => {
    const { vault, carol, memory } = await smallTeam();
    const [d1, d2] = [await newIdentity(), await newIdentity()];
    const a = await addMember(vault, { name: 'dave', recipient: d1.recipient, now });
    const b = await addMember(vault, { name: 'dan', recipient: d2.recipient, now });
    const lineB = parseTeamFile(text(b)).log[3].text;
    const merged = join([...lines(text(a)), lineB]);
    await expectRefused(open(merged, carol, { memory }), /lines \d+ and \d+ are both member change 4/);
  });

  it('refuse a file with conflict markers', async () => {
    const { vault, carol, memory } = await smallTeam();
    const all = lines(text(vault));
    const conflicted = join([
      ...all.slice(0, 5),
      '<<<<<<< HEAD',
      all[5],
      '=======',
      all[6],
      '>>>>>>> other',
      ...all.slice(7),
    ]);
    await expectRefused(open(conflicted, carol, { memory }), /line 6 is a merge conflict marker/);
  });

  it('accept different secrets added on two branches, in any order', async () => {
    const { vault, carol, memory } = await smallTeam();
    const a = await setTeamSecret(vault, 'shop', 'FROM_A', 'a', now);
    const asCarol = await open(text(vault), carol, { memory });
    const b = await setTeamSecret(asCarol, 'shop', 'FROM_B', 'b', now);
    const lineB = lines(text(b.vault))[secretLineIndex(text(b.vault), 'shop/FROM_B')];
    const merged = await open(join([...lines(text(a.vault)), lineB]), carol, { memory });
    expect(lookupTeamSecret(merged, 'shop', 'FROM_A')).toMatchObject({ value: 'a', by: 'alice' });
    expect(lookupTeamSecret(merged, 'shop', 'FROM_B')).toMatchObject({ value: 'b', by: 'carol' });
  });
});

describe('malformed files', () => {
  const cases: [string, (source: string) => string, RegExp][] = [
    ['empty', () => '', /it is empty/],
    ['cut short', (s) => s.slice(0, -1), /last line is cut short/],
    ['cut mid-line', (s) => s.slice(0, 300), /last line is cut short/],
    ['not JSON', (s) => join([...lines(s), 'hello']), /line 8 is not valid JSON/],
    ['re-spaced', (s) => s.replace('{"app":"shop",', '{"app": "shop",'), /line 1 is not written the one way/],
    ['deeply nested', (s) => join([...lines(s), `{"x":${'['.repeat(100000)}${']'.repeat(100000)}}`]), /line 8/],
    ['a field added', (s) => s.replace('{"app":"shop",', '{"app":"shop","extra":1,'), /field extra is malformed/],
    ['version 2', (s) => s.replace('"version":1', '"version":2'), /format version 2 is not supported/],
    ['not a team vault', () => '{"hello":"world"}\n', /line 1 is not a kamal-secret team vault header/],
    ['no member changes', (s) => join(lines(s).slice(0, 1)), /no member changes/],
    ['a line of no kind', (s) => join([...lines(s), '{"x":1}']), /line 8 is neither/],
  ];
  for (const [name, change, message] of cases) {
    it(`refuses a file ${name}`, async () => {
      const { vault, carol, memory } = await smallTeam();
      await expectRefused(open(change(text(vault)), carol, { memory }), message);
    });
  }
});

describe('field names that objects inherit', () => {
  for (const field of ['constructor', 'toString', '__proto__']) {
    it(`refuses a line with an extra "${field}" field`, async () => {
      const { vault, carol, memory } = await smallTeam();
      const source = text(vault);
      const at = secretLineIndex(source, PROD);
      const record = JSON.parse(lines(source)[at]);
      Object.defineProperty(record, field, { value: 1, enumerable: true, configurable: true, writable: true });
      const extended = lineOf(record);
      expect(extended).toContain(`"${field}":1`);
      await expectRefused(
        open(withLine(source, at, extended), carol, { memory }),
        new RegExp(`field ${field} is malformed`),
      );
    });
  }
});
