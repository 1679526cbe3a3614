// The stand-in password-manager CLIs (test/fixtures/bin: op, bw, lpass) for a test: their
// data files, their call log, and the environment that puts them on PATH.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../helpers/cli.js';

export const FAKE_BIN = path.join(ROOT, 'test', 'fixtures', 'bin');

export class FakeManagers {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-managers-'));
  readonly log = path.join(this.dir, 'calls.log');

  /** Write (or replace) a CLI's data, forgetting logins it remembered. */
  data(cli: 'op' | 'bw' | 'lpass', value: unknown): this {
    const file = path.join(this.dir, `${cli}.json`);
    fs.writeFileSync(file, JSON.stringify(value));
    fs.rmSync(`${file}.state`, { force: true });
    return this;
  }

  /** Forget the logins and the call log, keeping the data. */
  reset(): void {
    for (const f of fs.readdirSync(this.dir))
      if (f.endsWith('.state') || f === 'calls.log') fs.rmSync(path.join(this.dir, f));
  }

  calls(): string[] {
    return fs.existsSync(this.log) ? fs.readFileSync(this.log, 'utf8').trimEnd().split('\n') : [];
  }

  env(extraPath: string[] = []): Record<string, string> {
    return {
      PATH: [...extraPath, FAKE_BIN, process.env.PATH].join(':'),
      OP_FIXTURE: path.join(this.dir, 'op.json'),
      BW_FIXTURE: path.join(this.dir, 'bw.json'),
      LPASS_FIXTURE: path.join(this.dir, 'lpass.json'),
      FAKE_CLI_LOG: this.log,
    };
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A `kamal` executable that is real Kamal 2.12 run from its sources through the harness, on `dotenv`. */
export function writeRealKamalExecutable(
  dir: string,
  sources: { kamal: string; dotenv: string; harness: string },
): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'kamal');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  fs.writeFileSync(
    file,
    `#!/bin/sh\n# real Kamal from its sources (the test harness reads its subcommand from KAMAL_CMD)\nKAMAL_CMD="$*" KAMAL_SRC=${q(sources.kamal)} DOTENV_SRC=${q(sources.dotenv)} exec bash ${q(sources.harness)} "$PWD"\n`,
    { mode: 0o755 },
  );
  return file;
}
