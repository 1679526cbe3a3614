// The .gitlab-ci.yml that `kamal-secret gitlab ci` prints: one deploy job per
// destination, plus one for the deploy without -d unless deploy.yml requires a
// destination. The same .kamal/secrets (env mode) works here because the CI/CD
// variables that `gitlab sync` keeps are in the job's environment; the job reads the
// pipeline's own variables (pipeline-variables.ts) itself, and leaves nothing behind
// on a shell runner: the ssh-agent stops with the job, known_hosts and the git config
// gain no duplicate lines.

import { UsageError, UserError } from '../errors.js';
import { isValidScopeSegment } from '../light/refs.js';
import { PIPELINE_VARIABLES } from './pipeline-variables.js';

export type DockerAccess = 'dind' | 'socket';

export interface CiOptions {
  service: string;
  /** a job for each: a destination, or null for the deploy without -d */
  deploys: (string | null)[];
  /** the branch whose pipelines offer the deploy jobs; null: the project's default branch */
  branch: string | null;
  kamalVersion: string;
  /** where kamalVersion comes from, for the comment beside the image */
  kamalVersionFrom: string;
  docker: DockerAccess;
  /** print the builder settings for a registry cache (the app has none) */
  suggestBuilderCache: boolean;
}

export const kamalImage = (version: string) => `ghcr.io/basecamp/kamal:v${version}`;

export function gitlabCiYaml(o: CiOptions): string {
  if (o.branch !== null && !/^[A-Za-z0-9._/-]+$/.test(o.branch))
    throw new UsageError(`--branch ${JSON.stringify(o.branch)} is not a branch name this template can quote`);
  if (!/^\d+\.\d+\.\d+$/.test(o.kamalVersion))
    throw new UsageError(`--kamal-version takes X.Y.Z (a tag of ${kamalImage('X.Y.Z')}), not "${o.kamalVersion}"`);
  for (const d of o.deploys)
    if (d !== null && !isValidScopeSegment(d))
      throw new UserError(`config/deploy.${d}.yml: "${d}" cannot name a GitLab environment; rename the destination`);
  const rule = o.branch === null ? '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' : `$CI_COMMIT_BRANCH == "${o.branch}"`;
  const width = Math.max(...Object.keys(PIPELINE_VARIABLES).map((k) => k.length));
  return `# Deploy jobs for ${o.service}, printed by \`kamal-secret gitlab ci\`.
# Secrets come from CI/CD variables kept by \`kamal-secret gitlab sync\`; .kamal/secrets
# reads them as NAME=$NAME. Variables of a destination have environment scope DEST,
# so each destination's job names that environment.
#
# The job itself reads these CI/CD variables (File variables, as \`gitlab sync\` creates
# them from the vault; plain variables holding the text work too):
${Object.entries(PIPELINE_VARIABLES)
  .map(([name, what]) => `#   ${name.padEnd(width)}  ${what}`)
  .join('\n')}

stages: [deploy]

.kamal:
  stage: deploy
  image:
    name: ${kamalImage(o.kamalVersion)}   # ${o.kamalVersionFrom}: upgrade deliberately
    entrypoint: [""]   # the image's entrypoint is kamal; the job needs a shell
${dockerAccess[o.docker]}
  before_script:
    - |
      # The text of the CI/CD variable named $1, from a File variable or a plain one. A
      # missing or empty one fails the job here, by name, instead of deploying without it.
      ci_text() {
        eval "ci_value=\\\${$1:-}"
        if [ -f "$ci_value" ]; then ci_value=$(cat "$ci_value"); fi
        if [ -z "$ci_value" ]; then
          echo "the CI/CD variable $1 is missing or empty: kamal-secret set $1 --file FILE, then kamal-secret gitlab sync" >&2
          return 1
        fi
        printf '%s\\n' "$ci_value"
      }
    - ssh_key=$(ci_text SSH_PRIVATE_KEY)
    - known_hosts=$(ci_text SSH_KNOWN_HOSTS)
    - eval "$(ssh-agent -s)" > /dev/null
    - trap 'ssh-agent -k > /dev/null' EXIT   # the agent holds the key: it stops when the job ends, failed or not
    - printf '%s\\n' "$ssh_key" | ssh-add -q -
    - mkdir -p ~/.ssh && chmod 700 ~/.ssh && touch ~/.ssh/known_hosts
    - |
      # Add only the host keys known_hosts lacks: a shell runner keeps its own, and reruns add nothing.
      { cat ~/.ssh/known_hosts; printf '%s\\n' "$known_hosts"; } | awk 'NF && !seen[$0]++' > ~/.ssh/known_hosts.new
      mv ~/.ssh/known_hosts.new ~/.ssh/known_hosts
    - |
      # Kamal runs git in the checkout, which belongs to another user; trust it once, not once per run.
      git config --global --get-all safe.directory | grep -qxF "$CI_PROJECT_DIR" ||
        git config --global --add safe.directory "$CI_PROJECT_DIR"

${o.deploys.map((d) => job(d, rule)).join('\n')}${o.suggestBuilderCache ? builderCache : ''}`;
}

const dockerAccess: Record<DockerAccess, string> = {
  dind: `  # Docker for the image build: a docker:dind service (the runner needs privileged = true).
  # \`kamal-secret gitlab ci --docker socket\` uses the runner's own Docker instead.
  services:
    - docker:27-dind
  variables:
    DOCKER_HOST: tcp://docker:2376
    DOCKER_TLS_CERTDIR: "/certs"
    DOCKER_CERT_PATH: "/certs/client"
    DOCKER_TLS_VERIFY: "1"`,
  socket: `  # Docker for the image build: the runner's own, through /var/run/docker.sock (a docker
  # executor with volumes = ["/var/run/docker.sock:/var/run/docker.sock"], or a shell
  # executor whose user may use Docker). \`--docker dind\` uses a docker:dind service instead.`,
};

/** The job for `destination` (null: the deploy without -d); one deploy per environment at a time. */
function job(destination: string | null, rule: string): string {
  const name = destination === null ? 'deploy' : `deploy:${destination}`;
  return `${name}:
  extends: .kamal
${destination === null ? '' : `  environment:\n    name: ${destination}\n`}  resource_group: ${destination ?? 'deploy'}   # a second deploy here waits for the first
  script:
    - kamal deploy${destination === null ? '' : ` -d ${destination}`}
  rules:
    - if: ${rule}
      when: manual
`;
}

/** Printed when the app has no builder.cache; `gitlab ci` also says so on stderr. */
export const BUILDER_CACHE_NOTE =
  "CI runners start every build with an empty Docker cache, and a registry cache took one app's CI builds from 20 to 6 minutes";

const builderCache = `
# No builder.cache in config/deploy.yml: CI runners start every build with an empty Docker
# cache, and a registry cache took one app's CI builds from 20 to 6 minutes.
# Builder settings that make CI builds fast and registry-friendly:
#
# builder:
#   arch: amd64              # build only what the servers run: no QEMU emulation of a second platform
#   cache:
#     type: registry         # keep layers in the registry between builds
#     options: mode=max      # cache the layers of every build stage, not only the final image's
#   provenance: false        # no attestation manifest: some registries reject it or list an "unknown" image
`;
