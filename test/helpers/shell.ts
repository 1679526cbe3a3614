// Drive an interactive shell on a real pseudo-terminal (util-linux `script`): type keys,
// and type the next ones only once the screen shows what the last ones should have done.
import { spawn, spawnSync } from 'node:child_process';
import { cleanEnv } from './cli.js';

/** Whether `program` is on PATH, for a describe title that says why its tests skip. */
export function onPath(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal's escape sequences
const ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|[\x07\x08]/g;

/**
 * Run `command` on a pty; for each step, wait until the screen (escape sequences
 * removed) shows `waitFor` after the previous step's keys, then type `keys` as they are.
 */
export function driveTerminal(
  command: string,
  env: Record<string, string | undefined>,
  steps: [waitFor: RegExp, keys: string][],
  cwd: string,
  killAfterMs = 30_000,
): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: cleanEnv(env), cwd, stdio: 'pipe' });
    let screen = '';
    let from = 0;
    const pending = [...steps];
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString().replace(ESCAPES, '');
      const next = pending[0];
      if (next?.[0].test(screen.slice(from))) {
        pending.shift();
        from = screen.length;
        child.stdin.write(next[1]);
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, screen });
    });
  });
}
