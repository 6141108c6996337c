// The SSH thread of a local run (see SshThreadExecutor): an SshExecutor answering its messages.
import { parentPort, workerData } from 'node:worker_threads';
import { SshExecutor, type SshExecutorOptions } from './SshExecutor.js';
import type { FromSshThread, ToSshThread } from './SshThreadExecutor.js';

if (parentPort === null) throw new Error('sshThread runs in a worker thread only');
const port = parentPort;
const ssh = new SshExecutor(workerData as SshExecutorOptions);
const running = new Map<number, AbortController>();
const reply = (message: FromSshThread) => port.postMessage(message);

port.on('message', (message: ToSshThread) => {
  switch (message.kind) {
    case 'run': {
      const abort = new AbortController();
      running.set(message.id, abort);
      // run() reports host problems as results; a rejection is a fault of this code, passed on.
      ssh
        .run({ ...message.request, signal: abort.signal })
        .then(
          (result) => reply({ kind: 'done', id: message.id, result }),
          (error: unknown) =>
            reply({
              kind: 'done',
              id: message.id,
              error: error instanceof Error ? error.message : String(error),
            }),
        )
        .finally(() => running.delete(message.id));
      break;
    }
    case 'abort':
      running.get(message.id)?.abort();
      break;
    case 'connect':
      void ssh.connect(message.host).then(() => reply({ kind: 'done', id: message.id }));
      break;
    case 'release':
      ssh.release(message.host);
      break;
    case 'close':
      void ssh.close().then(() => reply({ kind: 'done', id: message.id }));
      break;
  }
});
