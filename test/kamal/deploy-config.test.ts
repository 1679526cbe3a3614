// What deploy.yml says about secrets, read as Kamal reads it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDeployConfig, secretsFiles } from '../../src/kamal/deploy-config.js';

const app = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-deploy-config-'));
afterAll(() => fs.rmSync(app, { recursive: true, force: true }));
const write = (files: Record<string, string>) => {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(app, rel)), { recursive: true });
    fs.writeFileSync(path.join(app, rel), text);
  }
};

describe('deploy config', () => {
  it('collects every name the deploy needs, with where it is asked for', () => {
    write({
      'config/deploy.yml': `service: shop
image: x/shop
<% if ENV["X"] %>ignored: <%= 1 %><% end %>
secrets_path: config/my secrets
hooks_path: .hooks
servers:
  web:
    hosts: [1.2.3.4]
    env:
      secret: [WEB_ONLY]
    proxy:
      ssl:
        certificate_pem: CERT_PEM
        private_key_pem: KEY_PEM
registry:
  username: [REG_USER]
  password: [REG_PASSWORD]
env:
  secret: [DB_URL, "ALIASED:REAL_NAME"]
  tags:
    blue:
      secret: [TAGGED]
accessories:
  db:
    env:
      secret: [DB_PASSWORD]
builder:
  secrets: [GITHUB_TOKEN]
`,
    });
    const config = readDeployConfig(app);
    expect(Object.fromEntries(config.needed)).toEqual({
      DB_URL: 'env.secret',
      REAL_NAME: 'env.secret',
      TAGGED: 'env.tags.blue.secret',
      REG_USER: 'registry.username',
      REG_PASSWORD: 'registry.password',
      WEB_ONLY: 'servers.web.env.secret',
      CERT_PEM: 'servers.web.proxy.ssl.certificate_pem',
      KEY_PEM: 'servers.web.proxy.ssl.private_key_pem',
      DB_PASSWORD: 'accessories.db.env.secret',
      GITHUB_TOKEN: 'builder.secrets',
    });
    expect(config.hooksPath).toBe('.hooks');
    expect(secretsFiles(config, 'staging')).toEqual([
      path.join(app, 'config/my secrets-common'),
      path.join(app, 'config/my secrets.staging'),
    ]);
  });

  it('merges a destination file over deploy.yml, arrays replaced', () => {
    write({
      'config/deploy.yml': 'service: shop\nenv:\n  secret: [A, B]\n',
      'config/deploy.production.yml': 'env:\n  secret: [A, PROD_ONLY]\n',
    });
    expect([...readDeployConfig(app, 'production').needed.keys()]).toEqual(['A', 'PROD_ONLY']);
    expect(readDeployConfig(app).destinations).toEqual(['production']);
  });

  it('strips ERB tags in linear time, even thousands of unclosed ones', () => {
    write({ 'config/deploy.yml': `service: shop\n# ${'<%'.repeat(200_000)}\n` });
    expect(readDeployConfig(app).service).toBe('shop');
  });
});
