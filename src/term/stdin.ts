// Reading what is piped to us.

export async function readStdinBytes(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function readStdinAll(): Promise<string> {
  return (await readStdinBytes()).toString('utf8');
}

/** The first line of stdin (without its newline). */
export async function readStdinLine(): Promise<string> {
  return (await readStdinAll()).split(/\r?\n/)[0];
}
