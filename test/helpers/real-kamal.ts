// Real Kamal for the tests that compare with it: where its sources are (and what is
// missing) comes from real-kamal-sources.js, shared with the benchmark; without them the
// tests that need them report themselves skipped, saying why.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { DotenvVersion } from '../../src/kamal/dotenv-model.js';
import { ROOT } from './cli.js';
import { realKamalMissing, realKamalSources as sources } from './real-kamal-sources.js';

/** The sources and the harness, and what is missing to run them. */
export const realKamalSources = sources as {
  kamal: string;
  dotenv: Record<DotenvVersion, string>;
  harness: string;
};
const missing = realKamalMissing as string[];

export const realKamalAvailable = missing.length === 0;
/** Appended to a describe title: empty when real Kamal can run, else why its tests skip. */
export const realKamalSkipReason = realKamalAvailable ? '' : ` (skipped: no ${missing.join(', no ')})`;

/** `kamal secrets print` in `app` with real Kamal on dotenv `version`; "ERROR …" when Kamal fails. */
export function realKamalPrint(
  app: string,
  version: DotenvVersion,
  env: NodeJS.ProcessEnv,
  args: string[] = [],
): string {
  try {
    return execFileSync('bash', [realKamalSources.harness, app, ...args], {
      env: { ...env, KAMAL_SRC: realKamalSources.kamal, DOTENV_SRC: realKamalSources.dotenv[version] },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (err) {
    return `ERROR ${(err as { stdout?: string }).stdout ?? ''}`;
  }
}

export interface DriverRequest {
  app: string;
  destination?: string | null;
  env: Record<string, string>;
}

/** What Kamal ends with: the secrets it would deliver, or the exception that aborts it. */
export type DriverReply = { secrets: Record<string, string> } | { error: string; message: string };

/**
 * Real Kamal and one dotenv version, loaded once in a Ruby process
 * (test/kamal/kamal-driver.rb), answering `kamal secrets print`'s question for
 * many apps: far faster than one `kamal` process per file.
 */
export class KamalDriver {
  private readonly child: ChildProcess;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';
  private readonly ready: Promise<string>;

  constructor(version: DotenvVersion) {
    const driver = path.join(ROOT, 'test', 'kamal', 'kamal-driver.rb');
    this.child = spawn(
      'ruby',
      [
        '-I',
        path.join(realKamalSources.dotenv[version], 'lib'),
        '-I',
        path.join(realKamalSources.kamal, 'lib'),
        driver,
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    this.child.stderr?.on('data', (d) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    const replies = createInterface({ input: this.child.stdio[4] as Readable });
    replies.on('line', (line) => this.waiting.shift()?.(line));
    const exited = new Promise<never>((_, reject) =>
      this.child.on('exit', (code) => reject(new Error(`the Kamal driver exited (${code}): ${this.stderr}`))),
    );
    exited.catch(() => undefined);
    this.ready = Promise.race([this.nextLine(), exited]).then((line) => JSON.parse(line).ready as string);
    this.exited = exited;
  }

  private readonly exited: Promise<never>;

  private nextLine(): Promise<string> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** The dotenv version the driver loaded, once it is ready. */
  version(): Promise<string> {
    return this.ready;
  }

  async evaluate(request: DriverRequest): Promise<DriverReply> {
    await this.ready;
    const reply = this.nextLine();
    (this.child.stdio[3] as Writable).write(`${JSON.stringify(request)}\n`);
    return JSON.parse(await Promise.race([reply, this.exited])) as DriverReply;
  }

  close(): void {
    (this.child.stdio[3] as Writable).end();
  }
}
