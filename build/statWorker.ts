/**
 * Stats files on a thread of its own (see statElsewhere in build.ts): the signature of each
 * file in `workerData`, null where there is none, posted back in the same order.
 */
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { signatureOf } from '../core/sourceFiles.js';

const files = workerData as readonly string[];
parentPort!.postMessage(
  files.map((file) => {
    const stats = statSync(file, { throwIfNoEntry: false });
    return stats ? signatureOf(stats) : null;
  }),
);
