// Printing: data on stdout, everything else on stderr, colour only on a TTY without NO_COLOR.
// Straight to the file descriptors (light/stdio.ts), as the fast paths write: no stream to
// create at start-up (check prints through here), nothing left buffered at exit.

import { isTerminal, writeFd } from '../light/stdio.js';

let colourAllowed = false;

/** Called once at the CLI edge with what the configuration says (NO_COLOR, TERM=dumb). */
export function configureOutput({ color }: { color: boolean }): void {
  colourAllowed = color;
}

const terminals = new Map<1 | 2, boolean>();
const colourOn = (fd: 1 | 2) => {
  if (!colourAllowed) return false;
  if (!terminals.has(fd)) terminals.set(fd, isTerminal(fd));
  return terminals.get(fd) === true;
};

const paint = (code: number, text: string, fd: 1 | 2) => (colourOn(fd) ? `\x1b[${code}m${text}\x1b[0m` : text);

export const bold = (t: string) => paint(1, t, 1);
export const dim = (t: string) => paint(2, t, 1);

export function out(line = ''): void {
  writeFd(1, `${line}\n`);
}

export function info(line: string): void {
  writeFd(2, `${line}\n`);
}

export function warn(line: string): void {
  writeFd(2, `${paint(33, 'kamal-secret: warning:', 2)} ${line}\n`);
}

export function error(line: string): void {
  writeFd(2, `${paint(31, 'kamal-secret:', 2)} ${line}\n`);
}

export function json(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

/** An ISO 8601 time as a person reads it, in local time: "2026-12-01 14:03". */
export function localTime(iso: string): string {
  const t = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())} ${two(t.getHours())}:${two(t.getMinutes())}`;
}

/** Left-aligned columns for human tables. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i].length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}
