// check() on whole apps, without a build: crafted files that made it hang take time in
// proportion to their size, and every line of them is still judged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { check, vaultContents } from '../../../src/kamal/check/check.js';
import { writeApp } from '../kamal-compare.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-check-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
fs.mkdirSync(path.join(root, 'bin'));
fs.writeFileSync(path.join(root, 'bin', 'kamal-secret'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });

function checkFile(name: string, text: string) {
  const app = path.join(root, name);
  writeApp(app, { '.kamal/secrets': text });
  const env = { PATH: `${path.join(root, 'bin')}:/usr/bin:/bin` };
  const started = process.cpuUsage();
  const report = check({
    root: app,
    destinations: [undefined],
    versions: ['3.1', '3.2'],
    exec: false,
    env,
    vault: vaultContents({ secrets: [], binary: [] }),
  });
  const used = process.cpuUsage(started);
  return { report, ms: (used.user + used.system) / 1000 };
}

// CPU time with a generous bound: a slow machine passes, a quadratic check (minutes) does not.
describe('linear time: check on crafted files of 1 MB finishes within seconds', () => {
  const lines = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i)).join('\n');
  const crafted: Record<string, string> = {
    '200,000 blank lines then a line': `${'\n'.repeat(200_000)}KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD\n`,
    'A= and 500,000 unclosed $(': `A=${'$('.repeat(500_000)}\n`,
    '50,000 lines naming unset variables': lines(50_000, (i) => `NAME_${i}=$UNSET_${i}`),
    '20,000 kamal-secret get lines': lines(20_000, (i) => `NAME_${i}=$(kamal-secret get NAME_${i})`),
  };
  for (const [shape, text] of Object.entries(crafted)) {
    it(shape, () => {
      const { report, ms } = checkFile(shape.replace(/\W+/g, '-'), text);
      console.log(`check ${shape} (${(text.length / 2 ** 20).toFixed(2)} MB): ${ms.toFixed(0)} ms of CPU`);
      expect(report.findings.length).toBeGreaterThan(0);
      expect(ms).toBeLessThan(60_000);
    });
  }
});

it('reports a value that expands beyond any secret (a long variable repeated), without building it', () => {
  const { report, ms } = checkFile(
    'too-large',
    `A=${'x'.repeat(1000)}\nKAMAL_REGISTRY_PASSWORD=${'$A'.repeat(500_000)}\n`,
  );
  console.log(`check a long variable repeated 500,000 times: ${ms.toFixed(0)} ms of CPU`);
  expect(report.findings).toContainEqual(
    expect.objectContaining({ code: 'value-too-large', name: 'KAMAL_REGISTRY_PASSWORD', severity: 'error', line: 2 }),
  );
});

it('reads names that Object.prototype has like any other: $toString is unset, adapter "constructor" unknown', () => {
  const { report } = checkFile(
    'prototype-names',
    'X=$toString\nY=$(kamal secrets fetch --adapter constructor --account a X)\n',
  );
  expect(report.findings).toContainEqual(expect.objectContaining({ name: 'X', line: 1 }));
  expect(report.findings).toContainEqual(expect.objectContaining({ name: 'Y', line: 2 }));
});
