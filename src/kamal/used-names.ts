// The secret names a Kamal app uses: what deploy.yml asks for (the plain deploy and each
// destination) and the $NAME references in the secrets files Kamal reads. A value's Kamal
// warnings matter only for these, and `import` sends the registry's to the global scope.

import { type DeployConfig, listDestinations, readDeployConfig } from './deploy-config.js';
import { variablesKamalReads } from './env-references.js';

/** The plain deploy's config and each destination's; null when deploy.yml cannot be read. */
function deployConfigs(root: string): DeployConfig[] | null {
  try {
    return [readDeployConfig(root), ...listDestinations(root).map((d) => readDeployConfig(root, d))];
  } catch {
    return null;
  }
}

/** Every name the app at `root` reads; null when its config cannot be read (then any name may be). */
export function namesTheAppUses(root: string): Set<string> | null {
  const configs = deployConfigs(root);
  if (!configs) return null;
  const references = variablesKamalReads(root, [undefined, ...listDestinations(root)], {});
  return new Set([...configs.flatMap((c) => [...c.needed.keys()]), ...references.map((v) => v.name)]);
}

/** KAMAL_REGISTRY_PASSWORD (Kamal's own name for it) and the secrets deploy.yml names under registry:. */
export function registryCredentialNames(root: string | null): Set<string> {
  const names = new Set(['KAMAL_REGISTRY_PASSWORD']);
  for (const config of (root && deployConfigs(root)) || [])
    for (const [name, where] of config.needed) if (where.startsWith('registry.')) names.add(name);
  return names;
}
