// Derives a passphrase key in a worker thread. Argon2id grows libsodium's WebAssembly
// heap by 64 MiB or more, and that heap never shrinks: a long-lived agent would keep
// it for good. A worker's heap is freed when the worker ends.

import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { deriveKey } from './crypto.js';
import type { KdfParams } from './format.js';

export function deriveKeyInWorker(passphrase: string, kdf: KdfParams): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { passphrase, kdf } });
    worker.once('message', (key: Uint8Array) => resolve(key));
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`key derivation worker exited with ${code}`)));
  });
}

if (!isMainThread && parentPort) {
  const { passphrase, kdf } = workerData as { passphrase: string; kdf: KdfParams };
  parentPort.postMessage(await deriveKey(passphrase, kdf));
}
