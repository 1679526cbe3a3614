// The .gitlab-ci.yml deploy job `kamal-secret gitlab ci` prints. The same
// .kamal/secrets (env mode) works here because the CI/CD variables that
// `gitlab sync` keeps are in the job's environment.

export const KAMAL_IMAGE = 'ghcr.io/basecamp/kamal:v2.12.0';

export function gitlabCiYaml(service: string, destinations: string[]): string {
  const jobs = destinations.length
    ? destinations.map((d) => job(`deploy:${d}`, `kamal deploy -d ${d}`, d))
    : [job('deploy', 'kamal deploy')];
  return `# Deploy job for ${service}, printed by \`kamal-secret gitlab ci\`.
# Secrets come from CI/CD variables kept by \`kamal-secret gitlab sync\`; .kamal/secrets
# reads them as NAME=$NAME. Variables of a destination have environment scope DEST,
# so each job names its environment.
#
# Also needed as CI/CD variables (not in .kamal/secrets):
#   SSH_PRIVATE_KEY   type File: the deploy key (kamal-secret set SSH_PRIVATE_KEY --file ~/.ssh/deploy_key)
#   SSH_KNOWN_HOSTS   the servers' host keys (ssh-keyscan SERVER once, check the fingerprints, store the output)

stages: [deploy]

.kamal:
  stage: deploy
  image:
    name: ${KAMAL_IMAGE}   # pinned: upgrade deliberately
    entrypoint: [""]        # the image's entrypoint is kamal; the job needs a shell
  # Docker for building the image. Choose one:
  # (a) docker:dind as a service (needs a runner with privileged = true):
  services:
    - docker:27-dind
  variables:
    DOCKER_HOST: tcp://docker:2376
    DOCKER_TLS_CERTDIR: "/certs"
    DOCKER_CERT_PATH: "/certs/client"
    DOCKER_TLS_VERIFY: "1"
  # (b) the runner's own Docker socket (docker executor with
  #     volumes = ["/var/run/docker.sock:/var/run/docker.sock"]): delete services and variables above.
  before_script:
    - mkdir -p ~/.ssh && chmod 700 ~/.ssh
    - chmod 600 "$SSH_PRIVATE_KEY"          # a File variable holds a path; ssh refuses keys others can read
    - eval "$(ssh-agent -s)" && ssh-add "$SSH_PRIVATE_KEY"
    - printf '%s\\n' "$SSH_KNOWN_HOSTS" > ~/.ssh/known_hosts && chmod 644 ~/.ssh/known_hosts
    # Fallback only: trusts whatever answers, so a spoofed host would be trusted too.
    # - ssh-keyscan -H your.server >> ~/.ssh/known_hosts
    - git config --global --add safe.directory "$CI_PROJECT_DIR"   # the checkout belongs to another uid

${jobs.join('\n')}
# Builder settings in config/deploy.yml that make CI builds fast and registry-friendly:
#
# builder:
#   arch: amd64              # build only what the servers run: no QEMU emulation of a second platform
#   cache:
#     type: registry         # CI runners start with an empty Docker cache; keep layers in the registry
#     options: mode=max      # cache the layers of every build stage, not only the final image's
#   provenance: false        # no attestation manifest: some registries reject it or list an "unknown" image
`;
}

function job(name: string, command: string, environment?: string): string {
  return `${name}:
  extends: .kamal
${environment ? `  environment:\n    name: ${environment}\n` : ''}  script:
    - ${command}
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
      when: manual
`;
}
