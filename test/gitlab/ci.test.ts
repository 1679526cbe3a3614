// `gitlab ci`: which jobs, which image, which options, and every pipeline it prints
// valid against GitLab's own CI schema (test/vendor/gitlab-ci-schema). What the jobs
// do when they run is in ci-emulator.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, Sandbox } from '../helpers/cli.js';

const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/vendor/gitlab-ci-schema/ci.json'), 'utf8'));
// strict: false for GitLab's own keywords (markdownDescription); the formats it names
// (uri, uri-reference) are for fields these pipelines never use.
const validate = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(schema);

let box: Sandbox;
beforeEach(() => {
  box = new Sandbox();
  box.write({
    'app/config/deploy.yml': 'service: shop\nimage: x/shop\nservers: [192.0.2.1]\n',
    'app/config/deploy.staging.yml': 'servers: [192.0.2.2]\n',
  });
});
afterEach(() => box.cleanup());

/** `gitlab ci ARGS` in the app: the parsed pipeline, checked against GitLab's schema. */
async function pipeline(args: string[] = []) {
  const r = await box.run(['gitlab', 'ci', ...args], { cwd: box.path('app') });
  expect(r.code, r.stderr).toBe(0);
  const doc = parse(r.stdout);
  expect(validate(doc) ? [] : validate.errors).toEqual([]);
  return { doc, stderr: r.stderr, text: r.stdout };
}

const jobs = (doc: Record<string, unknown>) => Object.keys(doc).filter((k) => k.startsWith('deploy'));

describe('gitlab ci', () => {
  it('a job for the deploy without -d beside each destination, each valid for GitLab', async () => {
    const { doc } = await pipeline();
    expect(jobs(doc)).toEqual(['deploy', 'deploy:staging']);
    expect(doc.deploy).toMatchObject({ extends: '.kamal', script: ['kamal deploy'] });
    expect(doc.deploy.environment).toBeUndefined(); // its variables are the app's, scope *
    expect(doc['deploy:staging']).toMatchObject({
      extends: '.kamal',
      environment: { name: 'staging' },
      script: ['kamal deploy -d staging'],
    });
  });

  it('no job without -d when deploy.yml says require_destination: true; none at all is an error', async () => {
    box.write({ 'app/config/deploy.yml': 'service: shop\nimage: x/shop\nrequire_destination: true\n' });
    expect(jobs((await pipeline()).doc)).toEqual(['deploy:staging']);
    fs.rmSync(box.path('app/config/deploy.staging.yml'));
    const r = await box.run(['gitlab', 'ci'], { cwd: box.path('app') });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'kamal-secret: config/deploy.yml says require_destination: true, and there is no config/deploy.DEST.yml to deploy to\n',
    );
  });

  it('one deploy per environment at a time: a resource group each', async () => {
    box.write({ 'app/config/deploy.production.yml': 'servers: [192.0.2.3]\n' });
    const { doc } = await pipeline();
    expect(jobs(doc).map((j) => doc[j].resource_group)).toEqual(['deploy', 'production', 'staging']);
  });

  it('deploys from the default branch, or the one --branch names; a name it cannot quote is refused', async () => {
    const rule = (doc: Record<string, { rules: { if: string; when: string }[] }>) => doc['deploy:staging'].rules;
    expect(rule((await pipeline()).doc)).toEqual([{ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH', when: 'manual' }]);
    expect(rule((await pipeline(['--branch', 'release/2026'])).doc)).toEqual([
      { if: '$CI_COMMIT_BRANCH == "release/2026"', when: 'manual' },
    ]);
    const bad = await box.run(['gitlab', 'ci', '--branch', 'a" || true'], { cwd: box.path('app') });
    expect(bad.code).toBe(2);
  });

  it("the Kamal image: the app's Gemfile.lock, else the tested 2.12.0, else --kamal-version", async () => {
    const image = async (args: string[] = []) => (await pipeline(args)).doc['.kamal'].image;
    expect(await image()).toEqual({ name: 'ghcr.io/basecamp/kamal:v2.12.0', entrypoint: [''] });
    box.write({
      'app/Gemfile.lock':
        'GEM\n  remote: https://rubygems.org/\n  specs:\n    kamal (2.11.0)\n      activesupport (>= 7.0)\n    kamal-plugin (9.9.9)\n\nDEPENDENCIES\n  kamal\n',
    });
    expect((await image()).name).toBe('ghcr.io/basecamp/kamal:v2.11.0');
    expect((await pipeline()).text).toContain("v2.11.0   # the kamal of the app's Gemfile.lock");
    expect((await image(['--kamal-version', '2.10.1'])).name).toBe('ghcr.io/basecamp/kamal:v2.10.1');
    box.write({ 'app/Gemfile.lock': 'GEM\r\n  specs:\r\n    kamal (2.9.0)\r\n' }); // checked out on Windows
    expect((await image()).name).toBe('ghcr.io/basecamp/kamal:v2.9.0');
    expect((await box.run(['gitlab', 'ci', '--kamal-version', 'latest'], { cwd: box.path('app') })).code).toBe(2);
  });

  it("Docker from a dind service, or the runner's socket", async () => {
    const dind = (await pipeline()).doc['.kamal'];
    expect(dind.services).toEqual(['docker:27-dind']);
    expect(dind.variables).toMatchObject({ DOCKER_HOST: 'tcp://docker:2376', DOCKER_TLS_VERIFY: '1' });
    const socket = (await pipeline(['--docker', 'socket'])).doc['.kamal'];
    expect(socket.services).toBeUndefined();
    expect(socket.variables).toBeUndefined();
    expect((await box.run(['gitlab', 'ci', '--docker', 'podman'], { cwd: box.path('app') })).code).toBe(2);
  });

  it('says on stderr when the builds have no registry cache, and only for the deploys that lack one', async () => {
    const cold = await pipeline();
    expect(cold.stderr).toBe(
      "kamal-secret: warning: config/deploy.yml has no builder.cache: CI runners start every build with an empty Docker cache, and a registry cache took one app's CI builds from 20 to 6 minutes; the builder settings are at the end of the printed file\n",
    );
    expect(cold.text).toMatch(
      /# builder:\n# {3}arch: amd64[\s\S]*type: registry[\s\S]*mode=max[\s\S]*provenance: false/,
    );
    box.write({ 'app/config/deploy.staging.yml': 'builder:\n  cache:\n    type: registry\n' });
    expect((await pipeline()).stderr).toMatch(
      /^kamal-secret: warning: config\/deploy.yml has no builder.cache, so the deploy without -d builds without one: CI/,
    );
    box.write({
      'app/config/deploy.yml': 'service: shop\nimage: x/shop\nbuilder:\n  arch: amd64\n  cache:\n    type: registry\n',
    });
    const warm = await pipeline();
    expect(warm.stderr).toBe('');
    expect(warm.text).not.toContain('# builder:');
  });

  it('the job reads SSH_PRIVATE_KEY and SSH_KNOWN_HOSTS itself and cleans up after itself', async () => {
    const before = (await pipeline()).doc['.kamal'].before_script.join('\n');
    expect(before).toMatch(/ssh_key=\$\(ci_text SSH_PRIVATE_KEY\)\nknown_hosts=\$\(ci_text SSH_KNOWN_HOSTS\)/);
    expect(before).toContain("trap 'ssh-agent -k > /dev/null' EXIT");
    expect(before).toContain('grep -qxF "$CI_PROJECT_DIR" ||');
  });
});
