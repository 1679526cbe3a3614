// `gitlab ci`, start to end: which deploys get a job, which Kamal image, and what to
// tell the user beside the YAML.

import { UserError } from '../errors.js';
import { readDeployConfig } from '../kamal/deploy-config.js';
import { readCiFacts } from './ci-facts.js';
import { BUILDER_CACHE_NOTE, type DockerAccess, gitlabCiYaml } from './ci-template.js';

export interface CiRequest {
  branch?: string;
  /** X.Y.Z; default: the app's Gemfile.lock, else the tested version */
  kamalVersion?: string;
  docker: DockerAccess;
}

export function deployPipeline(root: string, req: CiRequest): { yaml: string; notes: string[] } {
  const config = readDeployConfig(root);
  const facts = readCiFacts(root);
  const deploys = [...(facts.requireDestination ? [] : [null]), ...config.destinations];
  if (!deploys.length)
    throw new UserError(
      'config/deploy.yml says require_destination: true, and there is no config/deploy.DEST.yml to deploy to',
    );
  const withoutCache = deploys.filter((d) => !facts.builderCache(d));
  const kamalVersionFrom = req.kamalVersion
    ? 'chosen with --kamal-version'
    : facts.kamalVersion.from === 'Gemfile.lock'
      ? "the kamal of the app's Gemfile.lock"
      : 'the Kamal kamal-secret is tested with';
  const yaml = gitlabCiYaml({
    service: config.service ?? 'this app',
    deploys,
    branch: req.branch ?? null,
    kamalVersion: req.kamalVersion ?? facts.kamalVersion.version,
    kamalVersionFrom,
    docker: req.docker,
    suggestBuilderCache: withoutCache.length > 0,
  });
  const named = (d: string | null) => (d === null ? 'the deploy without -d' : `the deploy to ${d}`);
  const some =
    withoutCache.length < deploys.length ? `, so ${withoutCache.map(named).join(' and ')} builds without one` : '';
  const notes = withoutCache.length
    ? [
        `config/deploy.yml has no builder.cache${some}: ${BUILDER_CACHE_NOTE}; the builder settings are at the end of the printed file`,
      ]
    : [];
  return { yaml, notes };
}
