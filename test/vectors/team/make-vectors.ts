// Regenerates the team vault test vectors in this folder. Run from the repository root:
//   npx esbuild test/vectors/team/make-vectors.ts --bundle --packages=external --platform=node \
//     --format=esm --outfile=.ci/out/make-team-vectors.mjs && node .ci/out/make-team-vectors.mjs
// Each vector is a header, a blank line, then a .kamal/secrets.vault:
//   expect: success | team_refused | no_access
//   message: (refusals) a fragment of the one-line error
//   identity: who opens it (AGE-SECRET-KEY-1…)
//   trust: {"memory":{…}} or {"joinCode":"…"}, what that member trusts
//   readable: (success) {"SCOPE/NAME": value} of every secret it can read
//   no-access: (success) the team's scopes it cannot read
// The fail_ vectors are each one change to good_small_team_carol (or the state named).
// test/team/vectors.test.ts opens every one with the format code.
import fs from 'node:fs';
import path from 'node:path';
import { bech32Encode } from '../../../src/team/bech32.js';
import { hashLine, lineOf, parseTeamFile } from '../../../src/team/format.js';
import type { Identity } from '../../../src/team/identity.js';
import { keyCheck, newScopeKey, sealKey } from '../../../src/team/sealing.js';
import {
  addMember,
  createTeam,
  lookupTeamSecret,
  removeMember,
  setTeamSecret,
  type TeamVault,
} from '../../../src/team/team-vault.js';
import type { TeamTrust } from '../../../src/team/verify.js';
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
} from '../../team/fixtures.js';

const dir = path.resolve('test/vectors/team'); // bundled elsewhere: from the repository root
const identityText = (id: Identity) => bech32Encode('age-secret-key-', id.secretKey).toUpperCase();

async function good(name: string, source: string, identity: Identity, trust: TeamTrust): Promise<void> {
  const vault = await open(source, identity, trust);
  const readable = Object.fromEntries(
    vault.secrets
      .filter((s) => s.readable)
      .map((s) => [s.ref, (lookupTeamSecret(vault, s.scope, s.name) as { value: string }).value]),
  );
  write(name, source, identity, trust, ['expect: success', `readable: ${JSON.stringify(readable)}`, `no-access: ${JSON.stringify(vault.noAccess)}`]);
}

function fail(name: string, source: string, identity: Identity, trust: TeamTrust, message: string, code = 'team_refused'): void {
  write(name, source, identity, trust, [`expect: ${code}`, `message: ${message}`]);
}

function write(name: string, source: string, identity: Identity, trust: TeamTrust, expect: string[]): void {
  const header = [expect[0], ...expect.slice(1), `identity: ${identityText(identity)}`, `trust: ${JSON.stringify(trust)}`];
  fs.writeFileSync(path.join(dir, `${name}.vault`), `${header.join('\n')}\n\n${source}`);
}

for (const f of fs.readdirSync(dir)) if (f.endsWith('.vault')) fs.rmSync(path.join(dir, f));

const team = await smallTeam();
const { alice, bob, carol, eve, memory } = team;
const source = text(team.vault);
const asMemory = { memory };
const PROD = 'shop/production/DATABASE_URL';
const line = (ref: string) => parseTeamFile(source).secrets.find((s) => s.record.secret === ref)!;

// ---- good
const founded = await createTeam(alice, { file: FILE, app: APP, name: 'alice', scopes: SCOPES, now });
await good('good_founder_only', text(founded), alice, { joinCode: founded.team });
await good('good_small_team_carol', source, carol, asMemory);
await good('good_small_team_bob_no_production', source, bob, asMemory);
const dave = await newIdentity();
const withDave = await addMember(team.vault, { name: 'dave', recipient: dave.recipient, scopes: ['shop'], now });
await good('good_new_member_join_code', text(withDave), dave, { joinCode: joinCode(withDave) });
const { vault: removed } = await removeMember(team.vault, 'bob', now);
const afterRemoval = (await setTeamSecret(removed, 'shop/staging', 'AFTER_REMOVAL', 'not for bob', now)).vault;
await good('good_after_removal_keys_rotated', text(afterRemoval), carol, asMemory);
const asCarol = await open(source, carol, asMemory);
const fromB = lines(text((await setTeamSecret(asCarol, 'shop', 'FROM_B', 'b', now)).vault));
const fromA = text((await setTeamSecret(team.vault, 'shop', 'FROM_A', 'a', now)).vault);
await good('good_union_merge_two_new_secrets', join([...lines(fromA), fromB[secretLineIndex(join(fromB), 'shop/FROM_B')]]), carol, asMemory);

// ---- fail: the secret lines
const flipValue = (ref: string) => {
  const { record } = line(ref);
  const bytes = Buffer.from(record.value, 'base64url');
  bytes[30] ^= 1;
  return lineOf({ ...record, value: bytes.toString('base64url') });
};
fail('fail_value_bit_flip', withLine(source, secretLineIndex(source, PROD), flipValue(PROD)), carol, asMemory, 'does not carry a valid signature of alice');
const sigFlipped = { ...line(PROD).record, sig: `${line(PROD).record.sig.slice(0, -2)}${line(PROD).record.sig.endsWith('AA') ? 'AQ' : 'AA'}` };
fail('fail_signature_changed', withLine(source, secretLineIndex(source, PROD), lineOf(sigFlipped)), carol, asMemory, 'does not carry a valid signature of alice');
const staging = line('shop/staging/DATABASE_URL');
fail('fail_secret_moved_to_production', withLine(source, secretLineIndex(source, PROD), lineOf({ ...staging.record, secret: PROD })), carol, asMemory, 'does not carry a valid signature of alice');
fail('fail_secret_renamed', withLine(source, staging.number - 1, lineOf({ ...staging.record, secret: 'shop/staging/REDIS_URL' })), carol, asMemory, 'does not carry a valid signature of alice');
fail('fail_secret_by_non_member', withLine(source, -1, await forgedSecret(eve, team.vault.team, 'eve', 'shop/EVIL', 1, 'chosen')), carol, asMemory, 'written by eve, who is not a member');
fail('fail_secret_forged_in_member_name', withLine(source, secretLineIndex(source, PROD), await forgedSecret(eve, team.vault.team, 'alice', PROD, 1, 'chosen')), carol, asMemory, 'does not carry a valid signature of alice');
fail('fail_secret_in_scope_writer_cannot_read', withLine(source, secretLineIndex(source, PROD), await forgedSecret(bob, team.vault.team, 'bob', PROD, 1, 'chosen')), carol, asMemory, 'written by bob, who cannot read shop/production');
const oldLine = lines(source)[secretLineIndex(source, 'shop/RAILS_MASTER_KEY')];
fail('fail_secret_with_replaced_key', withLine(text(removed), secretLineIndex(text(removed), 'shop/RAILS_MASTER_KEY'), oldLine), carol, asMemory, 'a member change has since replaced');
const otherTeam = (await setTeamSecret(await createTeam(alice, { file: FILE, app: APP, name: 'alice', scopes: SCOPES, now }), 'shop/production', 'DATABASE_URL', 'chosen', now)).vault;
fail('fail_secret_from_another_team', withLine(source, secretLineIndex(source, PROD), lines(text(otherTeam))[secretLineIndex(text(otherTeam), PROD)]), carol, asMemory, 'does not carry a valid signature of alice');
const changedOnB = lines(text((await setTeamSecret(asCarol, 'shop', 'RAILS_MASTER_KEY', 'from b', now)).vault));
const changedOnA = text((await setTeamSecret(team.vault, 'shop', 'RAILS_MASTER_KEY', 'from a', now)).vault);
fail('fail_secret_changed_on_two_branches', join([...lines(changedOnA), changedOnB[secretLineIndex(join(changedOnB), 'shop/RAILS_MASTER_KEY')]]), carol, asMemory, 'shop/RAILS_MASTER_KEY is there twice');
fail('fail_secret_outside_team_scopes', withLine(source, -1, await forgedSecret(alice, team.vault.team, 'alice', 'shop/qa/X', 1, 'v')), carol, asMemory, 'which is not one of the team');

// ---- fail: the member changes
const log = parseTeamFile(source).log;
const addEve = async (signer: Identity, by: string, scopes: string[]) =>
  appendLogAs(source, signer, {
    kind: 'add',
    by,
    at: now.toISOString(),
    member: { name: 'eve', recipient: eve.recipient, scopes },
    keys: [],
    grants: await Promise.all(scopes.map(async (scope) => ({ to: 'eve', scope, epoch: 1, box: await sealKey(await newScopeKey(), eve.publicKey) }))),
  });
fail('fail_member_added_by_non_member', await addEve(eve, 'eve', ['shop']), carol, asMemory, 'signed as eve, who is not a member');
fail('fail_member_added_in_member_name', await addEve(eve, 'alice', ['shop']), carol, asMemory, 'does not carry a valid signature of alice');
fail('fail_member_given_scope_signer_lacks', await addEve(bob, 'bob', ['shop/production']), carol, asMemory, 'gives eve shop/production, which bob cannot read');
fail('fail_member_change_deleted', withLine(source, log[1].number - 1), carol, asMemory, 'member change 2 is missing');
fail('fail_member_changes_rolled_back', withLine(source, log[2].number - 1), carol, asMemory, 'lacks member changes you have already seen');
const prevEdited = { ...log[2].record, prev: hashLine(log[0].text) };
fail('fail_member_change_prev_edited', withLine(source, log[2].number - 1, lineOf(prevEdited)), carol, { joinCode: team.vault.team }, 'does not follow member change 2');
const carolMemoryAfter = (await open(text(removed), carol, asMemory)).memory;
fail('fail_removal_rolled_back', source, carol, { memory: carolMemoryAfter }, 'lacks member changes you have already seen');
fail('fail_removed_member_forks_history', await addEve(bob, 'bob', ['shop']), carol, { memory: carolMemoryAfter }, 'member change 4 is not the one you saw');
fail('fail_removed_member_opens', text(afterRemoval), bob, asMemory, 'you were removed from the team vault', 'no_access');
const danAdded = text(await addMember(team.vault, { name: 'dan', recipient: (await newIdentity()).recipient, now }));
fail('fail_parallel_member_changes', join([...lines(text(withDave)), lines(danAdded)[4]]), carol, asMemory, 'are both member change 4');
const real = await newScopeKey();
const split = await appendLogAs(source, alice, {
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
    { to: 'carol', scope: 'shop', epoch: 2, box: await sealKey(await newScopeKey(), carol.publicKey) },
    { to: 'carol', scope: 'shop/staging', epoch: 2, box: await sealKey(real, carol.publicKey) },
  ],
});
fail('fail_rogue_member_splits_scope_key', join(lines(split).filter((l) => !l.includes('"secret"'))), carol, asMemory, 'not the key its members share');

// ---- fail: whole files
let fake: TeamVault = await createTeam(eve, { file: FILE, app: APP, name: 'admin', scopes: SCOPES, now });
fake = await addMember(fake, { name: 'alice', recipient: alice.recipient, now });
fake = await addMember(fake, { name: 'carol', recipient: carol.recipient, now });
fake = (await setTeamSecret(fake, 'shop/production', 'DATABASE_URL', 'chosen', now)).vault;
fail('fail_whole_file_from_another_team', text(fake), carol, asMemory, "it is another team's file");
fail('fail_join_code_of_another_team', text(fake), carol, { joinCode: joinCode(team.vault) }, 'does not contain the member change your join code names');
fail('fail_header_app_changed', source.replace('{"app":"shop"', '{"app":"billing"'), carol, asMemory, 'it belongs to app billing, not to shop');
fail('fail_header_team_changed', source.replace(team.vault.team, otherTeam.team), carol, asMemory, 'its header names another team');
const all = lines(source);
fail('fail_conflict_markers', join([...all.slice(0, 5), '<<<<<<< HEAD', all[5], '=======', all[6], '>>>>>>> b', ...all.slice(7)]), carol, asMemory, 'line 6 is a merge conflict marker');
fail('fail_not_canonical', source.replace('{"app":"shop",', '{"app": "shop",'), carol, asMemory, 'line 1 is not written the one way the format allows');
fail('fail_version_2', source.replace('"version":1', '"version":2'), carol, asMemory, 'format version 2 is not supported');
fail('fail_truncated', source.slice(0, 1000), carol, asMemory, 'cut short');
fail('fail_unknown_field', withLine(source, staging.number - 1, lineOf({ ...staging.record, note: 'x' })), carol, asMemory, 'field note is malformed');
