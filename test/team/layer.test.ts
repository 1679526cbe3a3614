// The team vault layered over the personal one (DESIGN §7), as the agent and the
// in-process session both answer: per scope the team first, inner scopes winning, the
// global scope personal, and "no access" (never "not found") for a scope one cannot read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { bech32Encode } from '../../src/team/bech32.js';
import { generateIdentity } from '../../src/team/identity.js';
import {
  allLayered,
  lookupLayered,
  NO_TEAM,
  TeamOpener,
  type TeamView,
  teamFor,
  visibleLayered,
} from '../../src/team/layer.js';
import { removeMember, type TeamVault } from '../../src/team/team-vault.js';
import type { Payload } from '../../src/vault/format.js';
import { asText } from '../../src/vault/secrets.js';
import { BINARY, examplePayload } from '../vault/example-payload.js';
import { now, open, smallTeam, text } from './fixtures.js';

const record = (value: string) => ({ value, created_at: 'x', updated_at: 'x' });
const payload = (): Payload => ({
  secrets: {
    RAILS_MASTER_KEY: record('global-master'),
    'shop/RAILS_MASTER_KEY': record('personal-master'),
    'shop/staging/RAILS_MASTER_KEY': record('personal-staging-master'),
    'shop/production/ONLY_MINE': record('mine'),
    REGISTRY_PASSWORD: record('registry'),
  },
});
const STAGING = ['shop/staging', 'shop', ''];
const PRODUCTION = ['shop/production', 'shop', ''];
/** What a member who opened `vault` sees. */
const seeing = (vault: TeamVault): TeamView => ({ vault, refusal: null });

const personalPayload = examplePayload;
const lookupValue = (p: Payload, name: string, chain: string[]) => lookupLayered(p, NO_TEAM, name, chain);
const lookup = (p: Payload, name: string, chain: string[]) => {
  const found = lookupValue(p, name, chain);
  return found && asText(found);
};
const visible = (p: Payload, chain: string[]) => visibleLayered(p, NO_TEAM, chain);

const CHAIN = ['shop/production', 'shop', ''];

describe('lookups in the personal vault alone (no team)', () => {
  it('finds the innermost scope first, then walks outward', () => {
    expect(lookup(personalPayload(), 'DB', CHAIN)).toEqual({ ref: 'shop/production/DB', value: 'prod-db' });
    expect(lookup(personalPayload(), 'DB', ['shop/staging', 'shop', ''])).toEqual({ ref: 'shop/DB', value: 'shop-db' });
    expect(lookup(personalPayload(), 'TOKEN', CHAIN)).toEqual({ ref: 'TOKEN', value: 'global-token' });
  });

  it('is null when no scope of the chain has the name (another destination does not count)', () => {
    expect(lookup(personalPayload(), 'ONLY', CHAIN)).toBeNull();
    expect(lookupValue(personalPayload(), 'MISSING', CHAIN)).toBeNull();
  });

  it('returns a binary secret as stored to lookupValue, and refuses it as text, naming it', () => {
    expect(lookupValue(personalPayload(), 'BLOB', CHAIN)).toEqual({
      ref: 'BLOB',
      value_base64: BINARY.toString('base64'),
    });
    expect(() => lookup(personalPayload(), 'BLOB', CHAIN)).toThrow(
      'BLOB holds binary data (bytes that are not UTF-8 text, or a NUL byte), which cannot be an environment variable, a dotenv or JSON value, or a GitLab variable; read it with: kamal-secret get BLOB > FILE',
    );
  });

  it('reads a text value with a NUL byte, from a vault written before values were bytes, as binary', () => {
    const p = personalPayload();
    p.secrets.OLD = { value: 'a\0b', created_at: 'x', updated_at: 'x' };
    expect(lookupValue(p, 'OLD', [''])).toEqual({ ref: 'OLD', value: 'a\0b' });
    expect(() => lookup(p, 'OLD', [''])).toThrow(UserError);
  });
});

describe('visible names in the personal vault alone (no team)', () => {
  it('has every name of the chain once, inner scopes winning, sorted by name', () => {
    const p = personalPayload();
    delete p.secrets.BLOB;
    expect([...visible(p, CHAIN)]).toEqual([
      ['DB', { ref: 'shop/production/DB', value: 'prod-db' }],
      ['TOKEN', { ref: 'TOKEN', value: 'global-token' }],
    ]);
  });

  it('refuses a chain that sees a binary secret, naming it', () => {
    expect(() => visible(personalPayload(), CHAIN)).toThrow(/^BLOB holds binary data/);
    expect([...visible(personalPayload(), ['blog'])]).toEqual([['DB', { ref: 'blog/DB', value: 'blog-db' }]]);
  });
});

describe('lookups through the team vault and the personal vault', () => {
  it('answers each scope from the team first, then the personal vault; an inner scope still wins', async () => {
    const { vault } = await smallTeam();
    expect(lookupLayered(payload(), seeing(vault), 'RAILS_MASTER_KEY', ['shop', ''])).toEqual({
      ref: 'shop/RAILS_MASTER_KEY',
      value: 'master-key',
    });
    // the personal shop/staging one is inner to the team's shop one
    expect(lookupLayered(payload(), seeing(vault), 'RAILS_MASTER_KEY', STAGING)?.value).toBe('personal-staging-master');
    expect(lookupLayered(payload(), seeing(vault), 'REGISTRY_PASSWORD', STAGING)?.value).toBe('registry');
    expect(lookupLayered(payload(), NO_TEAM, 'RAILS_MASTER_KEY', ['shop', ''])?.value).toBe('personal-master');
    expect(lookupLayered(payload(), seeing(vault), 'ABSENT', STAGING)).toBeNull();
  });

  it('says "no access to SCOPE" for a name in a scope the member cannot read, never not found', async () => {
    const { vault, bob, memory } = await smallTeam();
    const asBob = await open(text(vault), bob, { memory });
    expect(lookupLayered(payload(), seeing(asBob), 'DATABASE_URL', STAGING)?.value).toBe('postgres://staging');
    expect(() => lookupLayered(payload(), seeing(asBob), 'DATABASE_URL', PRODUCTION)).toThrow(
      /^no access to shop\/production/,
    );
    // a name the team does not hold there is the personal vault's
    expect(lookupLayered(payload(), seeing(asBob), 'ONLY_MINE', PRODUCTION)?.value).toBe('mine');
    expect(() => visibleLayered(payload(), seeing(asBob), PRODUCTION)).toThrow(/no access to shop\/production/);
    const all = allLayered(payload(), seeing(asBob), undefined);
    expect(Object.fromEntries(all.secrets)).not.toHaveProperty('shop/production/DATABASE_URL');
    expect(all.unreadable).toEqual([
      {
        ref: 'shop/production/DATABASE_URL',
        why: expect.stringMatching(/^no access to shop\/production in the team vault/),
        fix: 'you are bob, with shop, shop/staging; a member who can read shop/production can read that secret for you',
      },
    ]);
  });

  it('a value in the global scope is outermost for run as for get: the team wins over it, or refuses', async () => {
    const { vault, bob, memory } = await smallTeam();
    const withGlobal = (): Payload => ({
      secrets: { ...payload().secrets, DATABASE_URL: record('global-stale') },
    });
    const shop = ['shop', ''];
    expect(visibleLayered(withGlobal(), seeing(vault), shop).get('RAILS_MASTER_KEY')?.value).toBe('master-key');
    expect(lookupLayered(withGlobal(), seeing(vault), 'RAILS_MASTER_KEY', shop)?.value).toBe('master-key');
    const asBob = await open(text(vault), bob, { memory });
    expect(() => visibleLayered(withGlobal(), seeing(asBob), PRODUCTION)).toThrow(/^no access to shop\/production/);
    expect(() => lookupLayered(withGlobal(), seeing(asBob), 'DATABASE_URL', PRODUCTION)).toThrow(/^no access/);
  });

  it('lists every visible name once, sorted, the team first within a scope', async () => {
    const { vault } = await smallTeam();
    const seen = visibleLayered(payload(), seeing(vault), STAGING);
    expect([...seen.keys()]).toEqual(['DATABASE_URL', 'RAILS_MASTER_KEY', 'REGISTRY_PASSWORD']);
    expect(seen.get('DATABASE_URL')).toEqual({ ref: 'shop/staging/DATABASE_URL', value: 'postgres://staging' });
    expect(seen.get('RAILS_MASTER_KEY')?.value).toBe('personal-staging-master');
    expect(Object.fromEntries(allLayered(payload(), seeing(vault), undefined).secrets)['shop/RAILS_MASTER_KEY']).toBe(
      'master-key',
    );
  });

  it('a binary personal secret: named as binary in the whole vault, and refused by run, unless the team has text in its place', async () => {
    const { vault } = await smallTeam();
    const p = payload();
    const binary = { value_base64: Buffer.from([0xff, 0]).toString('base64'), created_at: 'x', updated_at: 'x' };
    Object.assign(p.secrets, { 'shop/RAILS_MASTER_KEY': binary, 'shop/BLOB': binary });
    const all = allLayered(p, seeing(vault), undefined);
    expect(all.binary).toEqual(['shop/BLOB']);
    expect(Object.fromEntries(all.secrets)['shop/RAILS_MASTER_KEY']).toBe('master-key');
    // run: the binary one the team's text hides does not stop it; one that would go into the environment does
    delete p.secrets['shop/BLOB'];
    expect(visibleLayered(p, seeing(vault), ['shop', '']).get('RAILS_MASTER_KEY')?.value).toBe('master-key');
    p.secrets['shop/BLOB'] = binary;
    expect(() => visibleLayered(p, seeing(vault), ['shop', ''])).toThrow(/binary/);
  });
});

describe('opening the app team vault for a lookup', () => {
  async function placed() {
    const team = await smallTeam();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-layer-'));
    const file = path.join(dir, 'secrets.vault');
    fs.writeFileSync(file, text(team.vault));
    return { ...team, place: { file, app: 'shop' }, dir };
  }

  it('opens nothing without a memory of the app, or for a chain outside the app', async () => {
    const { place, dir } = await placed();
    const remember = async () => undefined;
    const stranger = { ...payload(), identity: await generateIdentity() };
    expect(await teamFor(new TeamOpener(), stranger, place, STAGING, remember)).toEqual(NO_TEAM);
    expect(await teamFor(new TeamOpener(), stranger, place, ['other', ''], remember)).toEqual(NO_TEAM);
    fs.rmSync(dir, { recursive: true });
  });

  it('opens the file once per change, and remembers a newer history', async () => {
    const { place, dir, memory, vault, alice } = await placed();
    const identity = bech32Encode('age-secret-key-', alice.secretKey);
    const mine: Payload = {
      ...payload(),
      identity: identity.toUpperCase(),
      teams: { shop: { ...memory, seq: 1, head: vault.team } },
    };
    const remembered: unknown[] = [];
    const opener = new TeamOpener();
    const first = await teamFor(opener, mine, place, STAGING, async (app, m) => void remembered.push([app, m]));
    expect(first.vault?.me).toBe('alice');
    expect(remembered).toEqual([['shop', memory]]);
    expect(await opener.open(place, mine)).toBe(first); // the same file: not opened again
    fs.appendFileSync(place.file, 'x\n');
    await expect(opener.open(place, mine)).rejects.toThrow(/refusing the team vault .*secrets\.vault/);
    fs.rmSync(dir, { recursive: true });
  });

  it("a removed member: their own vault answers, but never in place of a name the team holds where the team's would win", async () => {
    const { place, dir, vault, memory, bob } = await placed();
    const { vault: without } = await removeMember(vault, 'bob', now);
    fs.writeFileSync(place.file, text(without));
    const asBob: Payload = {
      secrets: {
        ...payload().secrets,
        'shop/staging/DATABASE_URL': record('stale-personal'), // the team holds it in the same scope
        'shop/staging/ONLY_MINE': record('mine'),
      },
      identity: bech32Encode('age-secret-key-', bob.secretKey).toUpperCase(),
      teams: { shop: memory },
    };
    const opener = new TeamOpener();
    const view = await teamFor(opener, asBob, place, STAGING, async () => undefined);
    expect(view.vault).toBeNull();
    expect(view.refusal?.error.message).toMatch(/^you were removed from the team vault .* by alice/);
    expect(await opener.open(place, asBob)).toBe(view); // refused once per change of the file, as a vault is opened
    const removed = /you were removed from the team vault .* by alice/;
    expect(() => lookupLayered(asBob, view, 'DATABASE_URL', STAGING)).toThrow(removed);
    expect(() => lookupLayered(asBob, view, 'RAILS_MASTER_KEY', ['shop', ''])).toThrow(
      /^shop\/RAILS_MASTER_KEY: you were/,
    );
    // their shop/staging one is inner to the team's shop one, as for a member
    expect(lookupLayered(asBob, view, 'RAILS_MASTER_KEY', STAGING)?.value).toBe('personal-staging-master');
    expect(lookupLayered(asBob, view, 'ONLY_MINE', STAGING)?.value).toBe('mine');
    expect(lookupLayered(asBob, view, 'REGISTRY_PASSWORD', STAGING)?.value).toBe('registry');
    // run would get the team's names from the personal vault: refused; where none reaches, its own vault answers
    expect(() => visibleLayered(asBob, view, STAGING)).toThrow(removed);
    // a global value is outermost: the team's shop one would win over it
    const globalOnly: Payload = { ...asBob, secrets: { RAILS_MASTER_KEY: record('global-stale') } };
    expect(() => visibleLayered(globalOnly, view, ['shop', ''])).toThrow(/^shop\/RAILS_MASTER_KEY: you were removed/);
    expect(() => lookupLayered(globalOnly, view, 'RAILS_MASTER_KEY', ['shop', ''])).toThrow(removed);
    expect([...visibleLayered(asBob, view, ['']).keys()]).toEqual(['RAILS_MASTER_KEY', 'REGISTRY_PASSWORD']);
    expect(() => allLayered(asBob, view, undefined)).toThrow(removed);
    fs.rmSync(dir, { recursive: true });
  });
});
