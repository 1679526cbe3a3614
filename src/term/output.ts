// Printing: data on stdout, everything else on stderr, colour only on a TTY without NO_COLOR.

let colourAllowed = false;

/** Called once at the CLI edge with what the configuration says (NO_COLOR, TERM=dumb). */
export function configureOutput({ color }: { color: boolean }): void {
  colourAllowed = color;
}

const colourOn = (stream: NodeJS.WriteStream) => colourAllowed && Boolean(stream.isTTY);

const paint = (code: number, text: string, stream: NodeJS.WriteStream) =>
  colourOn(stream) ? `\x1b[${code}m${text}\x1b[0m` : text;

export const bold = (t: string) => paint(1, t, process.stdout);
export const dim = (t: string) => paint(2, t, process.stdout);

export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function info(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function warn(line: string): void {
  process.stderr.write(`${paint(33, 'kamal-secret: warning:', process.stderr)} ${line}\n`);
}

export function error(line: string): void {
  process.stderr.write(`${paint(31, 'kamal-secret:', process.stderr)} ${line}\n`);
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
