// A real agent process on a real socket.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHECKED_NODE_MAJORS } from '../../src/light/node-handles.js';
import { lockPathOf } from '../../src/light/paths.js';
import { withLock } from '../../src/vault/lock.js';
import { BIN, ROOT, runCli, runProcess, Sandbox } from '../helpers/cli.js';
import { agentsServing, statusWhen as statusOf } from './helpers.js';

let box: Sandbox;
beforeEach(async () => {
  box = new Sandbox({ KAMAL_SECRET_NO_AGENT: undefined });
  await box.init();
  await box.set('A', 'value-of-a');
});
afterEach(() => box.cleanup());

const status = async (env = {}) => JSON.parse((await box.run(['agent', 'status', '--json'], { env })).stdout);
const statusWhen = (done: (s: { locked: boolean }) => boolean) => statusOf(box, done);
const sock = () => box.env.KAMAL_SECRET_AGENT_SOCK as string;
const noPass = { KAMAL_SECRET_PASSPHRASE: undefined };

/** One connection to the agent: send requests, read replies in the order they come. */
function connection() {
  const conn = net.createConnection(sock());
  const replies: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffered = '';
  conn.setEncoding('utf8');
  conn.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else replies.push(line);
    }
  });
  return {
    send: (message: unknown) => conn.write(`${JSON.stringify(message)}\n`),
    next: (): Promise<Record<string, unknown>> =>
      new Promise((resolve) => {
        const take = (line: string) => resolve(JSON.parse(line));
        const ready = replies.shift();
        if (ready !== undefined) take(ready);
        else waiting.push(take);
      }),
    close: () => conn.end(),
  };
}

/** Send raw bytes on a fresh connection; resolve with the first reply line, once it has come. */
function rawExchange(payload: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = net.createConnection(sock());
    let data = '';
    conn.setEncoding('utf8');
    conn.on('data', (d: string) => {
      data += d;
      if (data.includes('\n')) conn.destroy();
    });
    conn.on('close', () => (data ? resolve(data) : reject(new Error('the agent hung up without a reply'))));
    // The agent hangs up on an oversized request while we are still writing it.
    conn.on('error', (err) => (data ? resolve(data) : reject(err)));
    conn.write(payload);
  });
}

describe('agent', () => {
  it('starts on demand, detached, in a 0700 directory with a 0600 socket', async () => {
    expect((await status()).running).toBe(true); // set in beforeEach started it
    expect(fs.statSync(box.path('run')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(sock()).mode & 0o777).toBe(0o600);
    const s = await status();
    expect(s).toMatchObject({ running: true, locked: false, unlocked_via: 'passphrase', socket: sock() });
    expect(typeof s.pid).toBe('number');
    // Later commands need no passphrase: the agent holds the key.
    expect((await box.run(['get', 'A'], { env: noPass })).stdout).toBe('value-of-a\n');
  });

  it('serves get, set, list, rm, mv, import and export, and every value to check', async () => {
    await box.run(['set', 'shop/B'], { input: 'value-of-b' });
    box.write({ '.env': 'C=value-of-c\n' });
    await box.run(['import', '.env', '--scope', 'shop']);
    await box.run(['mv', 'shop/C', 'shop/production/C']);
    const all = JSON.parse(await rawExchange('{"op":"all"}\n'));
    expect({ ...all, secrets: all.secrets.sort() }).toEqual({
      ok: true,
      secrets: [
        ['A', 'value-of-a'],
        ['shop/B', 'value-of-b'],
        ['shop/production/C', 'value-of-c'],
      ],
      binary: [],
    });
    expect(
      JSON.parse((await box.run(['export', '--format', 'json', '--scope', 'shop/production'], { env: noPass })).stdout),
    ).toEqual({
      A: 'value-of-a',
      B: 'value-of-b',
      C: 'value-of-c',
    });
    await box.run(['rm', 'A']);
    expect((await box.run(['list', '--json'], { env: noPass })).stdout).not.toContain('"A"');
    const missing = await box.run(['get', 'A'], { env: noPass });
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toContain('A not found in the global scope');
  });

  it('re-reads the vault when another process changes it', async () => {
    expect((await box.run(['get', 'A'])).stdout).toBe('value-of-a\n');
    await box.run(['set', 'A'], { input: 'changed-elsewhere', env: { KAMAL_SECRET_NO_AGENT: '1' } });
    expect((await box.run(['get', 'A'], { env: noPass })).stdout).toBe('changed-elsewhere\n');
  });

  it('lock forgets the key; without a terminal get exits 3 naming the fix; unlock restores', async () => {
    expect((await box.run(['lock'])).code).toBe(0);
    expect((await status()).locked).toBe(true);
    const locked = await box.run(['get', 'A'], { env: noPass });
    expect(locked).toMatchObject({ code: 3, stdout: '' });
    expect(locked.stderr).toMatch(/run: kamal-secret unlock/);
    expect((await box.run(['unlock'])).stdout).toBe('unlocked (via passphrase)\n');
    expect((await box.run(['get', 'A'], { env: noPass })).stdout).toBe('value-of-a\n');
  });

  it('a wrong passphrase does not unlock it', async () => {
    await box.run(['lock']);
    const r = await box.run(['unlock'], { env: { KAMAL_SECRET_PASSPHRASE: 'wrong' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/wrong passphrase/);
    expect((await status()).locked).toBe(true);
  });

  // The TTL rules themselves are tested with a clock the test moves (key-holder.test.ts);
  // this checks that a real agent applies them, awaiting the lock rather than timing it.
  it('locks itself after the idle TTL', async () => {
    await box.run(['agent', 'stop']);
    expect((await box.run(['unlock'], { env: { KAMAL_SECRET_AGENT_TTL: '3s' } })).stdout).toBe(
      'unlocked (via passphrase)\n',
    );
    await statusWhen((s) => s.locked === true);
    expect((await box.run(['get', 'A'], { env: noPass })).code).toBe(3);
  });

  it('answers malformed and oversized requests with an error and keeps serving', async () => {
    expect(JSON.parse(await rawExchange('this is not json\n'))).toMatchObject({ ok: false, code: 'bad_request' });
    expect(JSON.parse(await rawExchange('{"op":"no-such-op"}\n'))).toMatchObject({ ok: false, code: 'bad_request' });
    expect(JSON.parse(await rawExchange('{"op":"get","name":42,"chain":"x"}\n'))).toMatchObject({
      ok: false,
      code: 'bad_request',
    });
    expect(JSON.parse(await rawExchange('[1,2]\n'))).toMatchObject({ ok: false, code: 'bad_request' });
    const huge = await rawExchange(Buffer.alloc(5 * 1024 * 1024, 'x'));
    expect(JSON.parse(huge.split('\n')[0])).toMatchObject({ ok: false, error: expect.stringMatching(/larger than/) });
    expect((await box.run(['get', 'A'], { env: noPass })).stdout).toBe('value-of-a\n');
  });

  it('refuses a malformed value, reference or passphrase as a bad request, and stores nothing', async () => {
    const refused = [
      { op: 'mutate', mutation: { op: 'set', ref: 'NULLED', value: null } },
      { op: 'mutate', mutation: { op: 'set', ref: 'OBJECT', value: { toString: 'x' } } },
      { op: 'mutate', mutation: { op: 'set', ref: 'bad ref!', value: 'v' } },
      { op: 'mutate', mutation: { op: 'import', scope: '', entries: [['IMPORTED', 7]], overwrite: true } },
      { op: 'rewrap', passphrase: '' },
    ];
    for (const request of refused)
      expect({ request, reply: JSON.parse(await rawExchange(`${JSON.stringify(request)}\n`)) }).toMatchObject({
        request,
        reply: { ok: false, code: 'bad_request' },
      });
    expect(JSON.parse((await box.run(['list', '--json'], { env: noPass })).stdout)).toEqual([
      expect.objectContaining({ ref: 'A' }),
    ]);
    await box.run(['lock']);
    expect((await box.run(['unlock'])).code).toBe(0); // the passphrase was not rewrapped to ""
  });

  it('a lock while a write waits for the vault file: the write lands, with the key it started with', async () => {
    await withLock(lockPathOf(box.vault), async () => {
      const c = connection();
      c.send({ op: 'mutate', mutation: { op: 'set', ref: 'WRITTEN', value: 'landed' } });
      // Requests on one connection are taken in order: once status answers, the write
      // above has its key and waits for the vault file, which this test holds.
      c.send({ op: 'status' });
      expect(await c.next()).toMatchObject({ ok: true, locked: false });
      expect((await box.run(['lock'])).code).toBe(0);
      return c;
    }).then(async (c) => {
      expect(await c.next()).toMatchObject({ ok: true, result: { action: 'created', ref: 'WRITTEN' } });
      c.close();
    });
    expect((await box.run(['get', 'WRITTEN'])).stdout).toBe('landed\n');
  });

  it('two agents racing to start: one wins, the other steps aside', async () => {
    await box.run(['agent', 'stop']);
    const [a, b] = await Promise.all([box.run(['agent', 'start']), box.run(['agent', 'start'])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const pid = (await status()).pid;
    // Both foreground agents racing: the loser says so and exits 0.
    const loser = await box.run(['agent'], { timeoutMs: 10_000 });
    expect(loser.code).toBe(0);
    expect(loser.stderr).toMatch(/already running/);
    expect((await status()).pid).toBe(pid);
  });

  it('two clients racing to auto-start both get their answer', async () => {
    await box.run(['agent', 'stop']);
    const results = await Promise.all([box.run(['get', 'A']), box.run(['get', 'A']), box.run(['get', 'A'])]);
    expect(results.map((r) => r.stdout)).toEqual(['value-of-a\n', 'value-of-a\n', 'value-of-a\n']);
    expect(await agentsServing(sock())).toHaveLength(1);
  });

  it('the fast get path and the full CLI give the same answers', async () => {
    await box.run(['set', 'shop/production/A'], { input: 'prod-a' });
    for (const args of [
      ['A'],
      ['A', '--scope', 'shop/production'],
      ['A', '--scope', 'shop', '-d', 'production'],
      ['A', '-g'],
    ]) {
      const fast = await box.run(['get', ...args], { env: noPass });
      const full = await box.run(['get', ...args], { env: { KAMAL_SECRET_NO_AGENT: '1' } });
      expect({ args, out: fast.stdout, code: fast.code }).toEqual({ args, out: full.stdout, code: full.code });
    }
  });

  /** Run the CLI and say which files and which of Node's own modules it loaded (written without loading more). */
  async function modulesLoaded(args: string[], env: Record<string, string | undefined> = {}, cwd = box.dir) {
    const probe = box.path('probe.cjs');
    fs.writeFileSync(
      probe,
      `process.on('exit', () => require('fs').writeSync(2, 'MODULES ' + JSON.stringify({
        files: Object.keys(require.cache).filter((m) => m !== ${JSON.stringify(probe)}),
        node: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)),
      }) + '\\n'));\n`,
    );
    const r = await box.run(args, {
      env: { ...noPass, ...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --require ${probe}` },
      cwd,
    });
    const { files, node } = JSON.parse(/MODULES (.*)/.exec(r.stderr)![1]) as { files: string[]; node: string[] };
    return { r, files: files.map((m) => path.relative(ROOT, m)).sort(), node };
  }

  /** Node's stream stack and the modules that bring it, and os (not loaded at start, and only a lookup away). */
  const UNWANTED = ['net', 'child_process', 'stream', 'tty', 'os'];
  const handlesUsed = CHECKED_NODE_MAJORS.includes(process.versions.node.split('.')[0]);

  it('get through a running agent loads the launcher and one bundled file, nothing else', async () => {
    const { r, files, node } = await modulesLoaded(['get', 'A']);
    expect(r.stdout).toBe('value-of-a\n');
    expect(files).toEqual(['bin/kamal-secret.js', 'dist/fast-get.cjs']);
    if (handlesUsed) expect(node.filter((m) => UNWANTED.includes(m))).toEqual([]);
  });

  it('run through a running agent loads one bundled file and, on Node 20, none of net, child_process, streams or os', async () => {
    const { r, files, node } = await modulesLoaded(['run', '--', 'sh', '-c', 'printf %s "$A"']);
    expect({ out: r.stdout, code: r.code }).toEqual({ out: 'value-of-a', code: 0 });
    expect(files).toEqual(['bin/kamal-secret.js', 'dist/fast-run.cjs']);
    if (handlesUsed) expect(node.filter((m) => UNWANTED.includes(m))).toEqual([]);
  });

  it('check through a running agent loads one bundled file and, on Node 20, none of net, child_process, streams or os', async () => {
    box.write({
      'app/config/deploy.yml': 'service: shop\nimage: shop\nenv:\n  secret:\n    - A\n',
      'app/.kamal/secrets': 'A=$A\n',
    });
    const { r, files, node } = await modulesLoaded(['check'], {}, box.path('app'));
    expect({ out: r.stdout, code: r.code }).toEqual({ out: expect.stringContaining('0 errors'), code: 0 });
    expect(files).toEqual(['bin/kamal-secret.js', 'dist/fast-check.cjs']);
    if (handlesUsed) expect(node.filter((m) => UNWANTED.includes(m))).toEqual([]);
  });

  it('with --pending-deprecation, get and run use net and child_process: the same answers, no warning', async () => {
    // Node's other spelling, and --throw-deprecation, which would turn a warning into a crash.
    const env = { NODE_OPTIONS: '--pending_deprecation --throw-deprecation' };
    const get = await modulesLoaded(['get', 'A'], env);
    const run = await modulesLoaded(['run', '--', 'sh', '-c', 'printf %s "$A"; exit 4'], env);
    expect([get.r.stdout, get.r.code, run.r.stdout, run.r.code]).toEqual(['value-of-a\n', 0, 'value-of-a', 4]);
    for (const { r } of [get, run]) expect(r.stderr.replace(/MODULES .*\n/, '')).toBe('');
    expect(get.node).toContain('net');
    expect(run.node).toEqual(expect.arrayContaining(['net', 'child_process']));
  });

  it('an agent left running by another version (an upgrade) is replaced by ours', async () => {
    await box.run(['agent', 'stop']);
    const ops: string[] = [];
    const old = net.createServer((conn) =>
      conn.on('data', (d) => {
        const req = JSON.parse(String(d).split('\n')[0]) as { op: string };
        ops.push(req.op);
        if (req.op === 'stop') {
          conn.end('{"ok":true,"stopping":true}\n');
          old.close();
        } else
          conn.end(
            `${JSON.stringify({ ok: true, running: true, pid: 1, locked: false, socket: sock(), vault: box.vault, unlocked_via: 'passphrase', keychain: '', version: '0.0.1' })}\n`,
          );
      }),
    );
    await new Promise<void>((resolve) => old.listen(sock(), resolve));
    fs.chmodSync(sock(), 0o600);
    expect((await box.run(['list'])).code).toBe(0);
    expect(ops).toEqual(['status', 'stop']);
    const status = JSON.parse((await box.run(['agent', 'status', '--json'])).stdout);
    expect(status).toMatchObject({
      running: true,
      version: JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version,
    });
  });

  it('an XDG_RUNTIME_DIR that does not exist (after su) falls back to the temp dir', async () => {
    const stale = new Sandbox({
      KAMAL_SECRET_NO_AGENT: undefined,
      KAMAL_SECRET_AGENT_SOCK: undefined,
      XDG_RUNTIME_DIR: '/nonexistent/run/user/4242',
    });
    try {
      await stale.init();
      await stale.set('A', 'value-a');
      const status = JSON.parse((await stale.run(['agent', 'status', '--json'])).stdout);
      expect(status.running).toBe(true);
      expect(path.dirname(status.socket)).toBe(path.join(os.tmpdir(), `kamal-secret-${process.getuid!()}`));
    } finally {
      await stale.cleanup();
    }
  });

  it('a socket path longer than Unix sockets allow is refused at once, in one line', async () => {
    const r = await box.run(['list'], {
      env: { KAMAL_SECRET_AGENT_SOCK: path.join(box.dir, 'x'.repeat(120), 'agent.sock') },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^kamal-secret: the agent socket path .* bytes long, more than the 107 a Unix socket allows; set KAMAL_SECRET_AGENT_SOCK to .*\n$/,
    );
  });

  it('two default vaults (different data homes) never share an agent', async () => {
    const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-runtime-'));
    const shared = { KAMAL_SECRET_AGENT_SOCK: undefined, KAMAL_SECRET_VAULT: undefined, XDG_RUNTIME_DIR: runtime };
    const one = new Sandbox({ ...shared, KAMAL_SECRET_NO_AGENT: undefined });
    const two = new Sandbox({ ...shared, KAMAL_SECRET_NO_AGENT: undefined });
    try {
      for (const [b, value] of [
        [one, 'vault-one'],
        [two, 'vault-two'],
      ] as const) {
        await b.init();
        await b.set('WHICH', value);
      }
      expect((await one.run(['get', 'WHICH'])).stdout).toBe('vault-one\n');
      expect((await two.run(['get', 'WHICH'])).stdout).toBe('vault-two\n');
      expect(fs.readdirSync(path.join(runtime, 'kamal-secret')).filter((f) => f.endsWith('.sock'))).toHaveLength(2);
    } finally {
      await one.cleanup();
      await two.cleanup();
      fs.rmSync(runtime, { recursive: true, force: true });
    }
  });

  it('passwd goes through the agent: the new passphrase unlocks, the old one no longer does', async () => {
    expect((await box.run(['passwd'], { env: { KAMAL_SECRET_NEW_PASSPHRASE: 'agent era passphrase' } })).code).toBe(0);
    await box.run(['lock']);
    expect((await box.run(['unlock'])).stderr).toMatch(/wrong passphrase/);
    expect((await box.run(['unlock'], { env: { KAMAL_SECRET_PASSPHRASE: 'agent era passphrase' } })).code).toBe(0);
    expect((await box.run(['get', 'A'], { env: noPass })).stdout).toBe('value-of-a\n');
  });

  it('agent stop removes the socket; with no agent, stop and lock say so', async () => {
    expect((await box.run(['agent', 'stop'])).stdout).toBe(`the agent on ${sock()} is stopped\n`);
    expect(fs.existsSync(sock())).toBe(false);
    expect((await status()).running).toBe(false);
    expect((await box.run(['agent', 'stop'])).stdout).toBe(`no agent is running on ${sock()}; nothing to stop\n`);
    expect((await box.run(['lock'])).stdout).toMatch(/^no agent is running on .*: nothing holds the key\n$/);
  });
});

describe('one agent per vault', () => {
  it('a stopped agent costs a client seconds: one clear line, never a second agent; lock reaches it again once it runs', async () => {
    const { pid } = (await status()) as { pid: number };
    const inode = fs.statSync(sock()).ino;
    process.kill(pid, 'SIGSTOP');
    try {
      for (const args of [['list'], ['get', 'A'], ['agent', 'start'], ['lock']]) {
        const r = await box.run(args, { env: noPass, timeoutMs: 40_000 });
        expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 1, stdout: '' });
        expect(r.stderr).toMatch(
          new RegExp(`^kamal-secret: the agent on \\S+ \\(pid ${pid}\\) does not answer .*kill -CONT ${pid}.*\\n$`),
        );
      }
      expect(await agentsServing(sock())).toEqual([String(pid)]);
      expect(fs.statSync(sock()).ino).toBe(inode);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect((await box.run(['lock'])).stdout).toBe('locked\n');
    expect(await status()).toMatchObject({ pid, locked: true });
  });

  it('an agent whose socket was deleted still holds the vault: a second one does not start', async () => {
    const { pid } = (await status()) as { pid: number };
    fs.rmSync(sock());
    const r = await box.run(['agent', 'start'], { timeoutMs: 40_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`\\(pid ${pid}\\) does not answer`));
    expect(await agentsServing(sock())).toEqual([String(pid)]);
    process.kill(pid, 'SIGTERM');
  });
});

describe('socket paths and times', () => {
  it('a KAMAL_SECRET_AGENT_SOCK that is a regular file is refused, and left as it was', async () => {
    const file = box.path('precious.txt');
    fs.writeFileSync(file, 'not a socket');
    const env = { KAMAL_SECRET_AGENT_SOCK: file };
    for (const args of [['list'], ['agent', 'start'], ['unlock']]) {
      const r = await box.run(args, { env });
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.stderr).toMatch(
        /^kamal-secret: refusing the agent socket path .*precious\.txt: it is a file, not a socket/,
      );
    }
    for (const args of [['agent', 'stop'], ['lock'], ['agent', 'status']])
      expect((await box.run(args, { env })).stdout).toMatch(/no agent is running/);
    expect(fs.readFileSync(file, 'utf8')).toBe('not a socket');
  });

  it('--ttl 0 and --max-ttl 0 are usage errors, from the command line or the environment', async () => {
    await box.run(['agent', 'stop']);
    for (const [args, env] of [
      [['agent', 'start', '--ttl', '0'], {}],
      [['agent', '--max-ttl', '0s'], {}],
      [['list'], { KAMAL_SECRET_AGENT_TTL: '0' }],
      [['list'], { KAMAL_SECRET_AGENT_MAX_TTL: '0h' }],
    ] as const) {
      const r = await box.run([...args], { env });
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(/takes a duration of at least 1ms/);
    }
    expect((await status()).running).toBe(false);
  });

  const root = process.getuid?.() === 0;
  it.skipIf(!root)(
    `another user's /tmp/kamal-secret-UID: the socket moves to the data dir, saying so${root ? '' : ' (skipped: needs root to create a directory owned by someone else)'}`,
    async () => {
      const tmp = box.path('tmp');
      const squatted = path.join(tmp, `kamal-secret-${process.getuid!()}`);
      fs.mkdirSync(squatted, { recursive: true, mode: 0o777 });
      fs.chownSync(squatted, 65534, 65534);
      const env = { KAMAL_SECRET_AGENT_SOCK: undefined, XDG_RUNTIME_DIR: undefined, TMPDIR: tmp };
      const r = await box.run(['list'], { env });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(
        new RegExp(
          `warning: ${squatted} belongs to uid 65534, not to you .*: the agent's socket is in ${box.path('xdg-data/kamal-secret/run')} instead`,
        ),
      );
      expect((await status(env)).socket).toMatch(
        new RegExp(`^${box.path('xdg-data/kamal-secret/run')}/agent-[0-9a-f]{16}\\.sock$`),
      );
      expect((await box.run(['get', 'A'], { env: { ...env, ...noPass } })).stdout).toBe('value-of-a\n');
      await box.run(['agent', 'stop'], { env });
    },
  );
});

const linux = process.platform === 'linux';
describe(`agent hygiene${linux ? '' : ' (skipped: reads /proc, Linux only)'}`, () => {
  it.skipIf(!linux)('the agent keeps no environment but its own, runs in /, and cannot dump core', async () => {
    await box.run(['agent', 'stop']);
    await box.run(['list'], {
      env: { GITLAB_TOKEN: 'glpat-do-not-keep', SOME_PROJECT_SETTING: 'x', KAMAL_SECRET_SCOPE: 'shop' },
      cwd: box.dir,
    });
    const { pid } = (await status()) as { pid: number };
    const names = fs
      .readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((entry) => entry.slice(0, entry.indexOf('=')));
    const allowed =
      /^(PATH|HOME|USER|LOGNAME|PWD|SHLVL|_|DBUS_SESSION_BUS_ADDRESS|XDG_RUNTIME_DIR|DISPLAY|KAMAL_SECRET_(VAULT|AGENT_SOCK|AGENT_TTL|AGENT_MAX_TTL|NO_KEYCHAIN|KEYCHAIN_TIMEOUT_MS))$/;
    expect(names.filter((n) => !allowed.test(n))).toEqual([]);
    expect(names).toContain('KAMAL_SECRET_VAULT');
    expect(fs.readlinkSync(`/proc/${pid}/cwd`)).toBe('/');
    expect(fs.readFileSync(`/proc/${pid}/limits`, 'utf8')).toMatch(/^Max core file size\s+0\s+0\s/m);
  });

  const hardCoreLimit = linux
    ? /^Max core file size\s+\S+\s+(\S+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))?.[1]
    : '0';
  const canRaise = hardCoreLimit !== '0';
  it.skipIf(!linux || !canRaise)(
    `an agent run by hand with core dumps enabled refuses to start${canRaise ? '' : ' (skipped: the hard core limit here is 0)'}`,
    async () => {
      await box.run(['agent', 'stop']);
      const r = await runProcess('sh', ['-c', `ulimit -S -c 1024 && exec "${process.execPath}" "${BIN}" agent`], {
        env: box.env,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^kamal-secret: refusing to run the agent with core dumps enabled \(core file size limit: 524288 bytes\)/,
      );
      expect((await status()).running).toBe(false);
    },
  );
});

describe('another user', () => {
  const root = process.getuid?.() === 0;
  const haveSetpriv = fs.existsSync('/usr/bin/setpriv');
  const reason = !root ? 'needs root to run a client as nobody' : 'needs setpriv (util-linux)';
  it.skipIf(!root || !haveSetpriv)(
    `cannot reach the agent or read a secret${root && haveSetpriv ? '' : ` (skipped: ${reason})`}`,
    async () => {
      await box.run(['get', 'A']); // agent up and unlocked
      const asNobody = ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'];
      const viaCli = await runProcess('setpriv', [...asNobody, process.execPath, BIN, 'get', 'A'], {
        env: { ...box.env, HOME: '/tmp' },
        cwd: '/',
      });
      expect(viaCli.code).not.toBe(0);
      expect(viaCli.stdout).toBe('');
      const connect = `require('net').connect(${JSON.stringify(sock())}).on('error',e=>{console.log(e.code);process.exit(7)}).on('connect',()=>{console.log('connected');process.exit(0)})`;
      const raw = await runProcess('setpriv', [...asNobody, process.execPath, '-e', connect], { cwd: '/' });
      expect(raw.stdout.trim()).toBe('EACCES');
      expect(raw.code).toBe(7);
    },
  );
});

it('runCli with no agent env reports no agent as not running', async () => {
  const other = new Sandbox({ KAMAL_SECRET_NO_AGENT: undefined });
  const r = await runCli(['agent', 'status', '--json'], { env: other.env });
  expect(JSON.parse(r.stdout)).toMatchObject({ running: false, pid: null, locked: true, unlocked_via: null });
  await other.cleanup();
});
