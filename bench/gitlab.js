// gitlab sync of 100 secrets against the test suite's GitLab double with 20 ms per request.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { FakeGitLab } from '../test/helpers/gitlab-server.js';
import { BIN, note, sandbox } from './lib.js';

export async function benchGitlab() {
  const gl = await new FakeGitLab().start();
  gl.latencyMs = 20;
  const box = sandbox('gitlab');
  try {
    box.ks(['init', '--no-keychain']);
    box.fill(100, 'shop');
    const env = { ...box.env, GITLAB_URL: gl.url, GITLAB_TOKEN: 'good-token' };
    for (const label of ['first run', 'no-op re-run']) {
      gl.log = [];
      // spawnSync would block the server in this process: run the CLI asynchronously.
      const started = performance.now();
      const code = await new Promise((resolve) => {
        spawn(process.execPath, [BIN, 'gitlab', 'sync', '--project', 'group/app', '--scope', 'shop'], {
          env,
          stdio: 'ignore',
        }).on('close', resolve);
      });
      const ms = performance.now() - started;
      const writes = gl.log.filter((l) => l.method !== 'GET').length;
      note(
        `gitlab sync, 100 secrets, 20 ms/request, ${label}`,
        `${ms.toFixed(0)} ms wall, ${plural(gl.log.length, 'request')} (${plural(writes, 'write')}), exit ${code}`,
      );
    }
  } finally {
    box.cleanup();
    await gl.stop();
  }
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
