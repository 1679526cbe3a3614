// config.ts is the one reader of the environment: every variable it knows is documented.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig, VARIABLES } from '../src/config.js';
import { ROOT } from './helpers/cli.js';

describe('configuration', () => {
  it("the README's table names every variable config.ts reads", () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const missing = Object.keys(VARIABLES).filter((name) => !readme.includes(`\`${name}`));
    expect(missing).toEqual([]);
  });

  it('no module under src/ reads process.env or process.cwd() but the CLI edges', () => {
    const edges = new Set([
      'cli/main.ts',
      'light/fast-get.ts',
      'light/fast-run.ts',
      'cli/fast-check.ts',
      'agent/main.ts',
    ]);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (full.endsWith('.ts')) {
          const rel = path.relative(path.join(ROOT, 'src'), full);
          const code = fs.readFileSync(full, 'utf8').replace(/^\s*(\/\/|\*).*$/gm, '');
          if (!edges.has(rel) && /process\.(env|cwd\(\))/.test(code)) offenders.push(rel);
        }
      }
    };
    walk(path.join(ROOT, 'src'));
    expect(offenders).toEqual([]);
  });

  it('reads the defaults and the switches', () => {
    const config = readConfig({ HOME: '/home/u', KAMAL_SECRET_NO_AGENT: '1', NO_COLOR: '' });
    expect(config.vaultPath).toMatch(/kamal-secret\/vault\.json$/);
    expect(config).toMatchObject({ useAgent: false, useKeychain: true, agentTtl: '1h', keychainTimeoutMs: 3000 });
    expect(readConfig({ KAMAL_SECRET_VAULT: 'rel/v.json' }).vaultPath).toBe(path.resolve('rel/v.json'));
  });

  it("puts the socket, without XDG_RUNTIME_DIR, under the temp dir Node's os.tmpdir() gives for the same environment", () => {
    for (const temp of [{}, { TMPDIR: '/var/tmp/' }, { TMPDIR: '', TMP: '/srv/tmp' }, { TEMP: '/' }]) {
      const env = { HOME: '/home/u', PATH: process.env.PATH, ...temp };
      const tmpdir = execFileSync(process.execPath, ['-p', 'require("os").tmpdir()'], { env, encoding: 'utf8' }).trim();
      const socket = readConfig(env).agentSocket;
      expect(path.dirname(socket)).toBe(path.join(tmpdir, `kamal-secret-${process.getuid?.()}`));
    }
  });
});
