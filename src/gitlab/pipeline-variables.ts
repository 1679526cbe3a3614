// The CI/CD variables that the deploy job of `gitlab ci` reads itself, before Kamal
// runs. The job takes each as a File variable (or a plain one holding the text), so
// `gitlab sync` creates them as File variables, unmasked where GitLab cannot mask them,
// and never skips one: a job without them cannot reach the servers.

export const PIPELINE_VARIABLES = {
  SSH_PRIVATE_KEY: 'the deploy key (kamal-secret set SSH_PRIVATE_KEY --file ~/.ssh/deploy_key)',
  SSH_KNOWN_HOSTS:
    "the servers' host keys (ssh-keyscan SERVER > hosts once, check the fingerprints, kamal-secret set SSH_KNOWN_HOSTS --file hosts)",
} as const;

export const isPipelineVariable = (name: string) => Object.hasOwn(PIPELINE_VARIABLES, name);
