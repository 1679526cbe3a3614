// What `kamal-secret --version`, `--help`, `help CMD` and `CMD --help` print, rendered at
// build time by the CLI's own commander program (dist/cli/main.js), so that
// bin/kamal-secret.js can print it without loading the CLI and it can never drift from it.
// A text is kept only when it is the same whatever the environment says (an option whose
// default comes from a variable, like agent --ttl, is left to the CLI); `anyWidth` says it
// is also the same at any terminal width (commander wraps help to a terminal's width).
import fs from 'node:fs';

const WIDTHS = [80, 200];

export async function writeCliText(file) {
  const { buildProgram } = await import('../dist/cli/main.js');
  const { cliContext } = await import('../dist/cli/context.js');
  const { readConfig, VARIABLES } = await import('../dist/config.js');
  const environments = [
    {},
    ...['1', '7', 'text'].map((v) => Object.fromEntries(Object.keys(VARIABLES).map((k) => [k, v]))),
  ];
  const render = (argv, env, width) =>
    renderOutput(() => buildProgram(cliContext(readConfig(env), env, '/')), argv, width);

  const texts = [];
  const outputs = {};
  for (const argv of forms(buildProgram(cliContext(readConfig({}), {}, '/')))) {
    const text = await render(argv, {}, WIDTHS[0]);
    if (text === null) continue;
    const others = [];
    for (const env of environments.slice(1)) others.push(await render(argv, env, WIDTHS[0]));
    if (others.some((t) => t !== text)) continue;
    const anyWidth = (await render(argv, {}, WIDTHS[1])) === text;
    if (!texts.includes(text)) texts.push(text);
    outputs[JSON.stringify(argv)] = { text: texts.indexOf(text), anyWidth };
  }
  fs.writeFileSync(file, `${JSON.stringify({ outputs, texts })}\n`);
}

/** --version, and every spelling of help for the program and each command. */
function forms(program) {
  const paths = [[]];
  for (const cmd of program.commands) {
    paths.push([cmd.name()]);
    for (const sub of cmd.commands) paths.push([cmd.name(), sub.name()]);
  }
  return [
    ['--version'],
    ['-V'],
    ['help'],
    ...paths.flatMap((p) => [
      [...p, '--help'],
      [...p, '-h'],
    ]),
    ...paths.filter((p) => p.length === 1).map((p) => ['help', ...p]),
    ...paths.filter((p) => p.length === 2).map(([cmd, sub]) => [cmd, 'help', sub]),
  ];
}

/** What the program prints on stdout for `argv`, if that is all it does (exit 0, no action run). */
async function renderOutput(build, argv, width) {
  const program = build();
  let stdout = '';
  let other = false;
  for (const cmd of commandsOf(program)) {
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut: (s) => {
        stdout += s;
      },
      writeErr: () => {
        other = true;
      },
      getOutHelpWidth: () => width,
      getErrHelpWidth: () => width,
    });
    // Only help and version may print here: an action that would run marks the output as not theirs.
    if (cmd._actionHandler) {
      cmd.action(() => {
        other = true;
      });
    }
  }
  try {
    await program.parseAsync(['node', 'kamal-secret', ...argv]);
  } catch (err) {
    if (err.exitCode === 0 && !other && stdout) return stdout;
  }
  return null;
}

function commandsOf(cmd) {
  return [cmd, ...cmd.commands.flatMap(commandsOf)];
}
