// The cheap look `run` takes at the secrets files before it warns. Its promise: it never
// misses a name the dotenv model says Kamal reads from an environment that lacks it (the
// model only runs when this look suspects something), and it does not suspect the names
// of a common, healthy file, so the common case stays on the fast path.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSecretsFile } from '../../src/kamal/dotenv-model.js';
import { RUN_NOTHING } from '../../src/kamal/env-references.js';
import { kamalSecretsFiles, namesTakenFromEnvironment } from '../../src/light/secrets-scan.js';

const names = (text: string) => [...namesTakenFromEnvironment(text)].sort();

/** What the dotenv model says each version reads from an empty environment. */
const modelUnset = (text: string) =>
  (['3.1', '3.2'] as const).flatMap((version) =>
    parseSecretsFile(text, version, {}, RUN_NOTHING)
      .entries.flatMap((e) => e.variables)
      .filter((v) => v.source === 'unset')
      .map((v) => v.name),
  );

// Rails 8's generated .kamal/secrets, the file most apps start from.
const RAILS_8 = `# Secrets defined here are available for reference under registry/password, env/secret, builder/secrets,
# and accessories/*/env/secret in config/deploy.yml. All secrets should be pulled from either
# password manager, ENV, or a file. DO NOT ENTER RAW CREDENTIALS HERE! This file needs to be safe for git.

# Example of extracting secrets from 1password (or another compatible pw manager)
# SECRETS=$(kamal secrets fetch --adapter 1password --account your-account --from Vault/Item KAMAL_REGISTRY_PASSWORD RAILS_MASTER_KEY)
# KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract KAMAL_REGISTRY_PASSWORD \${SECRETS})
# RAILS_MASTER_KEY=$(kamal secrets extract RAILS_MASTER_KEY \${SECRETS})

# Use a GITHUB_TOKEN if private repositories are needed for the image
# GITHUB_TOKEN=$(gh config get -h github.com oauth_token)

# Grab the registry password from ENV
KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD

# Improve security by using a password manager. Never check config/master.key into git!
RAILS_MASTER_KEY=$(cat config/master.key)
`;

describe('names a secrets file may take from the environment', () => {
  it('env mode, braces, commands; not comments, one-line single quotes or names defined above', () => {
    expect(names(RAILS_8)).toEqual(['KAMAL_REGISTRY_PASSWORD']);
    expect(names('A=$A\nB=${B}\nC=$(kamal-secret get C --scope $APP)\nexport D=$D # not $E\n')).toEqual([
      'A',
      'APP',
      'B',
      'D',
    ]);
    expect(names("LITERAL='pa$word'\nX=$LITERAL\nSECRETS=$(fetch)\nY=$(extract Y ${SECRETS})\n")).toEqual([]);
    expect(names('Y=$LATER\nLATER=x\n')).toEqual(['LATER']);
  });

  it('follows a quoted value over several lines, where a # line is not a comment', () => {
    expect(names('KEY="-----BEGIN\n#$INSIDE\n-----END"\n#$OUTSIDE\n')).toEqual(['INSIDE']);
    expect(names('KEY=\n\n"line one\n# $LATE_QUOTE"\n')).toEqual(['LATE_QUOTE']);
    // dotenv's regex takes \" as an escaped quote however many backslashes come before it
    expect(names('A="x\\\\"\n#$B\n"\n')).toEqual(['B']);
  });

  it('misses nothing the dotenv model reads from an empty environment, on generated files', () => {
    const fragments = [
      'A=',
      'B=',
      'export ',
      ' ',
      '\t',
      '#',
      '\n',
      '\n',
      '\r\n',
      '"',
      "'",
      '\\',
      '$',
      '${',
      '}',
      '$(',
      ')',
      'A',
      'B',
      'C',
      '=',
      ': ',
      'x',
      '$A',
      '$B',
      '$C',
      '${C}',
      '\\"',
      "\\'",
      '  # c $A',
      '\u2028',
      'n',
      '\\n',
      'DOTENV_LINEBREAK_MODE=legacy\n',
    ];
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      const text = Array.from({ length: 4 + random(40) }, () => fragments[random(fragments.length)]).join('');
      const scanned = namesTakenFromEnvironment(text);
      const missed = modelUnset(text).filter((name) => !scanned.has(name));
      expect({ text, missed }).toEqual({ text, missed: [] });
    }
  });
});

describe('the secrets files Kamal reads, from deploy.yml without a YAML parser', () => {
  let root: string;
  const app = () => ({ root, deployYml: path.join(root, 'config', 'deploy.yml') });
  const write = (files: Record<string, string>) => {
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    }
  };
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-scan-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('.kamal/secrets-common and .kamal/secrets, or secrets.DEST with a destination', () => {
    write({ 'config/deploy.yml': 'service: shop\n', 'config/deploy.production.yml': 'servers: [192.0.2.1]\n' });
    expect(kamalSecretsFiles(app(), undefined)).toEqual([
      path.join(root, '.kamal/secrets-common'),
      path.join(root, '.kamal/secrets'),
    ]);
    expect(kamalSecretsFiles(app(), 'production')).toEqual([
      path.join(root, '.kamal/secrets-common'),
      path.join(root, '.kamal/secrets.production'),
    ]);
  });

  it('secrets_path from deploy.yml, quoted or not, and from deploy.DEST.yml over it', () => {
    write({
      'config/deploy.yml': 'service: shop\nsecrets_path: "config/secrets" # moved\n',
      'config/deploy.staging.yml': "secrets_path: 'staging/secrets'\n",
    });
    expect(kamalSecretsFiles(app(), undefined)).toEqual([
      path.join(root, 'config/secrets-common'),
      path.join(root, 'config/secrets'),
    ]);
    expect(kamalSecretsFiles(app(), 'staging')?.[1]).toBe(path.join(root, 'staging/secrets.staging'));
  });

  it('says it cannot tell when secrets_path is more than a plain top-level path', () => {
    for (const yml of [
      'secrets_path: <%= ENV["SECRETS"] %>\n',
      'builder:\n  secrets_path: x\nsecrets_path: y\n',
      'secrets_path: *anchor\n',
      'secrets_path: 1234\n',
      'secrets_path: true\n',
      'secrets_path:\n  - a\n',
      '{secrets_path: x}\n',
    ]) {
      write({ 'config/deploy.yml': `service: shop\n${yml}` });
      expect({ yml, files: kamalSecretsFiles(app(), undefined) }).toEqual({ yml, files: null });
    }
  });

  it('none without deploy.DEST.yml, where Kamal stops before reading secrets', () => {
    write({ 'config/deploy.yml': 'service: shop\n' });
    expect(kamalSecretsFiles(app(), 'nowhere')).toEqual([]);
  });
});
