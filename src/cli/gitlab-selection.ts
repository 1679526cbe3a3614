// The options that choose what a sync sends, shared by `gitlab sync` and
// `export --format gitlab` so that the export shows what any sync would create.

import { type Command, Option } from 'commander';
import type { Compat } from '../gitlab/masking.js';
import { parseTypeOverrides } from '../gitlab/planner.js';
import type { Selection } from '../gitlab/sync.js';

export interface SelectionFlags {
  environmentScope?: string;
  protected?: boolean;
  hidden?: boolean;
  allowUnmasked?: boolean;
  type: string[];
  gitlabVersionCompat: Compat;
}

export function selectionOptions(cmd: Command): Command {
  return cmd
    .option('--environment-scope <scope>', 'send every variable with this environment scope')
    .option('--protected', 'make the variables protected')
    .option('--hidden', 'create new masked variables hidden (their value can never be read back)')
    .option('--allow-unmasked', 'send values GitLab cannot mask, unmasked')
    .addOption(
      new Option('--type <NAME=file|env_var>', 'the variable type for one name; repeatable')
        .argParser((v: string, acc: string[]) => [...acc, v])
        .default([], 'file when multi-line or read by the deploy job, else env_var'),
    )
    .addOption(
      new Option('--gitlab-version-compat <rule>', 'masking rule of the server')
        .choices(['current', 'old'])
        .default('current'),
    );
}

export function selection(flags: SelectionFlags): Selection {
  return {
    environmentScope: flags.environmentScope,
    types: parseTypeOverrides(flags.type),
    compat: flags.gitlabVersionCompat,
    allowUnmasked: Boolean(flags.allowUnmasked),
    protected: Boolean(flags.protected),
    hidden: Boolean(flags.hidden),
  };
}
