// The team vault's operations, as members use them: create, add, set, read, remove.
import { describe, expect, it } from 'vitest';
import { GITATTRIBUTES_LINE, parseTeamFile } from '../../src/team/format.js';
import { openKey } from '../../src/team/sealing.js';
import {
  addMember,
  createTeam,
  lookupTeamSecret,
  readableTeamSecrets,
  removeMember,
  removeTeamSecret,
  setTeamSecret,
} from '../../src/team/team-vault.js';
import { APP, FILE, joinCode, newIdentity, now, open, SCOPES, smallTeam, text } from './fixtures.js';
import { expectRefused } from './refused.js';

describe('createTeam', () => {
  it('makes the founder a member with every scope of the app', async () => {
    const alice = await newIdentity();
    const vault = await createTeam(alice, { file: FILE, app: APP, name: 'alice', scopes: SCOPES, now });
    expect(vault.members).toEqual([{ name: 'alice', recipient: alice.recipient, scopes: SCOPES }]);
    expect(vault).toMatchObject({ me: 'alice', app: APP, scopes: SCOPES, readable: SCOPES, noAccess: [], secrets: [] });
    expect(vault.memory).toEqual({ team: vault.team, app: APP, seq: 1, head: vault.team });
    const reopened = await open(text(vault), alice, { memory: vault.memory });
    expect(reopened.members).toEqual(vault.members);
  });

  it('refuses scopes outside the app and bad member names', async () => {
    const alice = await newIdentity();
    const o = { file: FILE, app: APP, name: 'alice', now };
    await expect(createTeam(alice, { ...o, scopes: ['billing'] })).rejects.toThrow(/not billing/);
    await expect(createTeam(alice, { ...o, scopes: ['shop/a/b'] })).rejects.toThrow(/not shop\/a\/b/);
    await expect(createTeam(alice, { ...o, scopes: [] })).rejects.toThrow(/has scopes shop/);
    await expect(createTeam(alice, { ...o, name: 'al ice', scopes: SCOPES })).rejects.toThrow(/invalid member name/);
  });

  it('gives two teams of one app different ids', async () => {
    const alice = await newIdentity();
    const o = { file: FILE, app: APP, name: 'alice', scopes: SCOPES, now };
    expect((await createTeam(alice, o)).team).not.toBe((await createTeam(alice, o)).team);
  });
});

describe('secrets', () => {
  it('are readable by the members of their scope, and their values never appear in the file', async () => {
    const { vault, carol, memory } = await smallTeam();
    const source = text(vault);
    for (const value of ['master-key', 'postgres://staging', 'postgres://prod']) expect(source).not.toContain(value);
    expect(source).toContain('"secret":"shop/production/DATABASE_URL"');
    const asCarol = await open(source, carol, { memory });
    expect(lookupTeamSecret(asCarol, 'shop/production', 'DATABASE_URL')).toEqual({
      status: 'found',
      value: 'postgres://prod\nsecond $line',
      by: 'alice',
      at: now.toISOString(),
    });
    expect(asCarol.secrets.map((s) => [s.ref, s.by, s.readable])).toEqual([
      ['shop/RAILS_MASTER_KEY', 'alice', true],
      ['shop/production/DATABASE_URL', 'alice', true],
      ['shop/staging/DATABASE_URL', 'alice', true],
    ]);
  });

  it('say created, then updated, and record who wrote them last', async () => {
    const { vault, carol, memory } = await smallTeam();
    const asCarol = await open(text(vault), carol, { memory });
    const first = await setTeamSecret(asCarol, 'shop', 'NEW', 'one', now);
    expect(first.created).toBe(true);
    const later = new Date('2026-02-01T00:00:00.000Z');
    const second = await setTeamSecret(first.vault, 'shop', 'RAILS_MASTER_KEY', 'rotated', later);
    expect(second.created).toBe(false);
    expect(lookupTeamSecret(second.vault, 'shop', 'RAILS_MASTER_KEY')).toEqual({
      status: 'found',
      value: 'rotated',
      by: 'carol',
      at: later.toISOString(),
    });
    expect(second.vault.memory).toEqual(memory); // no member change
  });

  it('are removed, and removing one that is not there is an error', async () => {
    const { vault } = await smallTeam();
    const removed = await removeTeamSecret(vault, 'shop', 'RAILS_MASTER_KEY');
    expect(lookupTeamSecret(removed, 'shop', 'RAILS_MASTER_KEY')).toEqual({ status: 'absent' });
    await expect(removeTeamSecret(removed, 'shop', 'RAILS_MASTER_KEY')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuse names and scopes the team does not have', async () => {
    const { vault } = await smallTeam();
    await expect(setTeamSecret(vault, 'shop', '1BAD', 'v', now)).rejects.toThrow(/invalid secret name/);
    await expect(setTeamSecret(vault, 'shop/qa', 'A', 'v', now)).rejects.toThrow(/has no scope shop\/qa/);
    await expect(setTeamSecret(vault, '', 'A', 'v', now)).rejects.toThrow(/has no scope/);
  });
});

describe('scopes', () => {
  it('keep a member out of the scopes they were not given: "no access", never "not found"', async () => {
    const { vault, bob, memory } = await smallTeam();
    const asBob = await open(text(vault), bob, { memory });
    expect(asBob.readable).toEqual(['shop', 'shop/staging']);
    expect(asBob.noAccess).toEqual(['shop/production']);
    expect(lookupTeamSecret(asBob, 'shop/staging', 'DATABASE_URL')).toMatchObject({ value: 'postgres://staging' });
    expect(lookupTeamSecret(asBob, 'shop/production', 'DATABASE_URL')).toEqual({ status: 'no_access' });
    expect(lookupTeamSecret(asBob, 'shop/production', 'OTHER')).toEqual({ status: 'absent' });
    expect(asBob.secrets.find((s) => s.scope === 'shop/production')).toMatchObject({ by: 'alice', readable: false });
  });

  it('give each reader the values of their scopes, by scope, and only those', async () => {
    const { vault, bob, memory } = await smallTeam();
    const asBob = await open(text(vault), bob, { memory });
    expect(readableTeamSecrets(asBob)).toEqual(
      new Map([
        ['shop', new Map([['RAILS_MASTER_KEY', 'master-key']])],
        ['shop/staging', new Map([['DATABASE_URL', 'postgres://staging']])],
      ]),
    );
    expect(JSON.stringify(asBob)).not.toContain('master-key');
  });

  it('let a member change only the scopes they hold', async () => {
    const { vault, bob, eve, memory } = await smallTeam();
    const asBob = await open(text(vault), bob, { memory });
    await expect(setTeamSecret(asBob, 'shop/production', 'X', 'v', now)).rejects.toMatchObject({ code: 'no_access' });
    await expect(removeTeamSecret(asBob, 'shop/production', 'DATABASE_URL')).rejects.toMatchObject({
      code: 'no_access',
    });
    await expect(addMember(asBob, { name: 'eve', recipient: eve.recipient, now })).rejects.toMatchObject({
      code: 'no_access',
      message: 'you cannot give eve shop/production: you have no access to it yourself',
    });
    await expect(removeMember(asBob, 'alice', now)).rejects.toMatchObject({
      code: 'no_access',
      message: expect.stringMatching(/^alice can read shop\/production and you cannot/),
    });
    // within his scopes he may add someone
    const added = await addMember(asBob, { name: 'dave', recipient: eve.recipient, scopes: ['shop/staging'], now });
    expect(added.members.map((m) => m.name)).toEqual(['alice', 'bob', 'carol', 'dave']);
  });
});

describe('addMember', () => {
  it('lets the new member open the file with the join code, once, then with what it remembers', async () => {
    const { vault, bob, memory } = await smallTeam();
    const dave = await newIdentity();
    const added = await addMember(vault, { name: 'dave', recipient: dave.recipient, scopes: ['shop'], now });
    const asDave = await open(text(added), dave, { joinCode: joinCode(added) });
    expect(asDave.me).toBe('dave');
    expect(lookupTeamSecret(asDave, 'shop', 'RAILS_MASTER_KEY')).toMatchObject({ value: 'master-key' });
    expect(asDave.memory).toEqual(added.memory);
    const asBob = await open(text(added), bob, { memory });
    expect(asBob.members.map((m) => m.name)).toContain('dave');
  });

  it('refuses a member twice, a recipient twice, a bad recipient and unknown scopes', async () => {
    const { vault, bob } = await smallTeam();
    const dave = await newIdentity();
    await expect(addMember(vault, { name: 'bob', recipient: dave.recipient, now })).rejects.toThrow(
      /bob is already a member/,
    );
    await expect(addMember(vault, { name: 'dave', recipient: bob.recipient, now })).rejects.toThrow(/already bob's/);
    await expect(addMember(vault, { name: 'dave', recipient: 'age1xyz', now })).rejects.toMatchObject({
      code: 'usage',
    });
    await expect(
      addMember(vault, { name: 'dave', recipient: dave.recipient, scopes: ['shop/qa'], now }),
    ).rejects.toThrow(/has no scope shop\/qa/);
  });
});

describe('removeMember', () => {
  it('rotates the keys of every scope the member could read and lists what to rotate', async () => {
    const { vault, bob, carol, memory } = await smallTeam();
    const before = parseTeamFile(text(vault));
    const { vault: after, exposed } = await removeMember(vault, 'bob', now);
    expect(exposed).toEqual(['shop/RAILS_MASTER_KEY', 'shop/staging/DATABASE_URL']);
    const file = parseTeamFile(text(after));
    const removal = file.log[file.log.length - 1].record;
    expect(removal).toMatchObject({ kind: 'remove', name: 'bob', by: 'alice' });
    expect(removal.keys.map((k) => `${k.scope} ${k.epoch}`)).toEqual(['shop 2', 'shop/staging 2']);
    expect(removal.grants.map((g) => `${g.to} ${g.scope}`).sort()).toEqual([
      'alice shop',
      'alice shop/staging',
      'carol shop',
      'carol shop/staging',
    ]);
    for (const grant of removal.grants) expect(await openKey(grant.box, bob)).toBeNull();
    // the values in those scopes were encrypted again, the production one left as it was
    const epochs = Object.fromEntries(file.secrets.map((s) => [s.record.secret, s.record.epoch]));
    expect(epochs).toEqual({
      'shop/RAILS_MASTER_KEY': 2,
      'shop/staging/DATABASE_URL': 2,
      'shop/production/DATABASE_URL': 1,
    });
    const prod = (f: typeof file) => f.secrets.find((s) => s.record.secret.startsWith('shop/production'))!.text;
    expect(prod(file)).toBe(prod(before));
    const asCarol = await open(text(after), carol, { memory });
    expect(lookupTeamSecret(asCarol, 'shop/staging', 'DATABASE_URL')).toMatchObject({ value: 'postgres://staging' });
    expect(asCarol.members.map((m) => m.name)).toEqual(['alice', 'carol']);
  });

  it('leaves the removed member unable to open the file, or read what is set after', async () => {
    const { vault, bob, memory } = await smallTeam();
    const { vault: after } = await removeMember(vault, 'bob', now);
    const later = (await setTeamSecret(after, 'shop/staging', 'AFTER', 'new value', now)).vault;
    await expectRefused(open(text(later), bob, { memory }), /you were removed .* by alice/, 'no_access');
    const line = parseTeamFile(text(later)).secrets.find((s) => s.record.secret === 'shop/staging/AFTER')!;
    expect(line.record.epoch).toBe(2); // a key bob never received (see the grants above)
  });

  it('refuses removing oneself or someone who is not there', async () => {
    const { vault } = await smallTeam();
    await expect(removeMember(vault, 'alice', now)).rejects.toThrow(/cannot remove yourself/);
    await expect(removeMember(vault, 'zed', now)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('the file', () => {
  it('tells .gitattributes to merge it line by line', () => {
    expect(GITATTRIBUTES_LINE).toBe('.kamal/secrets.vault merge=union');
  });

  it('has one line per secret, sorted, after the header and the member changes', async () => {
    const { vault } = await smallTeam();
    const file = parseTeamFile(text(vault));
    expect(file.log.map((l) => l.number)).toEqual([2, 3, 4]);
    expect(file.secrets.map((l) => [l.number, l.record.secret])).toEqual([
      [5, 'shop/RAILS_MASTER_KEY'],
      [6, 'shop/production/DATABASE_URL'],
      [7, 'shop/staging/DATABASE_URL'],
    ]);
  });
});
