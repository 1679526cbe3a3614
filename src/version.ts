// The package's version: for --version, and to tell an agent left running by another
// version (before an upgrade) apart from ours.

import { createRequire } from 'node:module';

export const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
