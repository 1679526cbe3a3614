// Shell completion in the real shells: bash and zsh interactive on a pty, pressing Tab;
// fish through its own completion engine (complete -C). Secret names come from a warm
// agent; a locked or absent agent gives none, and nothing ever prints a value.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runProcess, Sandbox } from '../helpers/cli.js';
import { driveTerminal, onPath } from '../helpers/shell.js';

const VALUES = ['registry-pass-1', 'shop-master-key-1', 'prod-database-url-1'];

let box: Sandbox;
let env: Record<string, string | undefined>;
let app: string;
beforeAll(async () => {
  box = new Sandbox({ KAMAL_SECRET_NO_AGENT: undefined });
  await box.init();
  await box.set('REGISTRY_PASSWORD', VALUES[0]);
  await box.set('shop/RAILS_MASTER_KEY', VALUES[1]);
  await box.set('shop/production/DATABASE_URL', VALUES[2]);
  box.write({
    'bin/kamal-secret': `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`,
    'app/config/deploy.yml': 'service: shop\n',
    'app/config/deploy.production.yml': '',
    'app/.env': 'A=1\n',
    'shell/bashrc': `PS1='READY> '\nsource <(kamal-secret completion bash)\n${ARGS}`,
    // bindkey -e: Ctrl-A must move to the start of the line, whichever keymap zsh would pick from the environment.
    'shell/.zshrc': `PS1='READY> '\nbindkey -e\nautoload -Uz compinit && compinit -u -D\nsource <(kamal-secret completion zsh)\n${ARGS}`,
  });
  fs.chmodSync(box.path('bin/kamal-secret'), 0o755);
  app = box.path('app');
  // The agent is unlocked by the commands above; the shells never see the passphrase.
  env = {
    ...box.env,
    KAMAL_SECRET_PASSPHRASE: undefined,
    PATH: `${box.path('bin')}:${process.env.PATH}`,
    ZDOTDIR: box.path('shell'),
    ARGS_OUT: box.path('shell/args'),
    TERM: 'xterm',
  };
});
afterAll(() => box.cleanup());

/** A shell function that writes the words of a command line, then a separator, to $ARGS_OUT. */
const ARGS = `args() { printf '%s\\n' "$@" -- >> "$ARGS_OUT"; }\n`;

/** Each line typed, and the words it must hold after one Tab. */
const CASES: [typed: string, completed: string[]][] = [
  ['kamal-secret ge', ['kamal-secret', 'get']],
  ['kamal-secret get --sc', ['kamal-secret', 'get', '--scope']],
  ['kamal-secret export --format js', ['kamal-secret', 'export', '--format', 'json']],
  ['kamal-secret get -d production DATA', ['kamal-secret', 'get', '-d', 'production', 'DATABASE_URL']],
  ['kamal-secret rm :REG', ['kamal-secret', 'rm', ':REGISTRY_PASSWORD']],
  ['kamal-secret import .en', ['kamal-secret', 'import', '.env']],
];

/** A guard against a hung shell, not a speed limit: one session runs the CLI once per case. */
const SESSION_MS = 100_000;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Type each case, press Tab, and once the line shows the completion, record its words. */
async function tabInShell(command: string): Promise<{ words: string[][]; screen: string }> {
  fs.rmSync(env.ARGS_OUT as string, { force: true });
  const steps: [RegExp, string][] = [];
  let ready = /READY> /;
  for (const [typed, completed] of CASES) {
    steps.push([ready, `${typed}\t`]);
    steps.push([new RegExp(`${escapeRegExp(completed.join(' '))} `), '\x01args \r']);
    ready = /READY> /;
  }
  steps.push([ready, 'exit\r']);
  const { screen } = await driveTerminal(command, env, steps, app, SESSION_MS);
  const written = fs.existsSync(env.ARGS_OUT as string) ? fs.readFileSync(env.ARGS_OUT as string, 'utf8') : '';
  const words = written
    .split('--\n')
    .filter(Boolean)
    .map((block) => block.trimEnd().split('\n'));
  return { words, screen };
}

describe(`completion in bash${onPath('bash') && onPath('script') ? '' : ' (skipped: needs bash and script)'}`, () => {
  it.skipIf(!onPath('bash') || !onPath('script'))(
    'Tab completes commands, options, choices, names (:NAME too) and files',
    async () => {
      const { words, screen } = await tabInShell(`bash --rcfile "${box.path('shell/bashrc')}" -i`);
      expect(words).toEqual(CASES.map(([, completed]) => completed));
      for (const value of VALUES) expect(screen).not.toContain(value);
    },
    SESSION_MS + 10_000,
  );
});

describe(`completion in zsh${onPath('zsh') && onPath('script') ? '' : ' (skipped: needs zsh and script)'}`, () => {
  it.skipIf(!onPath('zsh') || !onPath('script'))(
    'Tab completes commands, options, choices, names (:NAME too) and files',
    async () => {
      const { words, screen } = await tabInShell('zsh -i');
      expect(words).toEqual(CASES.map(([, completed]) => completed));
      for (const value of VALUES) expect(screen).not.toContain(value);
    },
    SESSION_MS + 10_000,
  );
});

describe(`completion in fish${onPath('fish') ? '' : ' (skipped: needs fish)'}`, () => {
  it.skipIf(!onPath('fish'))('its completion engine offers commands, options, choices, names and files', async () => {
    const lines = CASES.map(([typed]) => `complete -C ${JSON.stringify(typed)}; echo ==`).join('\n');
    const r = await runProcess('fish', ['--no-config', '-c', `kamal-secret completion fish | source\n${lines}`], {
      env,
      cwd: app,
    });
    const offered = r.stdout
      .split('==\n')
      .slice(0, -1)
      .map((block) =>
        block
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split('\t')[0]),
      );
    expect(offered).toEqual(CASES.map(([, completed]) => [completed[completed.length - 1]]));
    for (const value of VALUES) expect(r.stdout + r.stderr).not.toContain(value);
  });
});

describe('__complete, the answer behind every script', () => {
  const complete = (words: string[], extraEnv = {}) =>
    box.run(['__complete', '--', ...words], { cwd: app, env: { ...env, ...extraEnv } });

  it('lists names from an unlocked agent, never a value', async () => {
    const r = await complete(['get', '']);
    expect(r).toMatchObject({ code: 0, stdout: 'words\nREGISTRY_PASSWORD\nRAILS_MASTER_KEY\n', stderr: '' });
  });

  it('a locked agent gives no names, asks nothing and stays locked', async () => {
    await box.run(['lock']);
    expect(await complete(['get', ''])).toMatchObject({ code: 0, stdout: 'words\n', stderr: '' });
    expect(JSON.parse((await box.run(['agent', 'status', '--json'])).stdout)).toMatchObject({ locked: true });
    await box.run(['unlock']);
  });

  it('with no agent running, starts none', async () => {
    await box.run(['agent', 'stop']);
    expect(await complete(['rm', ''])).toMatchObject({ code: 0, stdout: 'words\n', stderr: '' });
    expect(JSON.parse((await box.run(['agent', 'status', '--json'])).stdout)).toMatchObject({ running: false });
  });

  it('is not in the help', async () => {
    expect((await box.run(['--help'])).stdout).not.toContain('__complete');
  });
});
