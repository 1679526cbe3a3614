// Run a shell command on a real pseudo-terminal (util-linux `script`), typing each
// answer once its prompt has appeared on the screen.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { cleanEnv } from './cli.js';

export const haveScript = fs.existsSync('/usr/bin/script');

export function runInTerminal(
  command: string,
  env: Record<string, string | undefined>,
  answers: [RegExp, string][],
  cwd?: string,
): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: cleanEnv(env),
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let waitingFrom = 0;
    const pending = [...answers];
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      const next = pending[0];
      if (next?.[0].test(screen.slice(waitingFrom))) {
        pending.shift();
        waitingFrom = screen.length;
        child.stdin.write(`${next[1]}\r`);
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal's escape sequences
      resolve({ code, screen: screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '') });
    });
  });
}
