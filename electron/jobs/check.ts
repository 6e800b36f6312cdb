/**
 * Worker thread: the full check (checkStore) of one database file on a read-only
 * connection, off the host's main thread. Posts one FileCheck and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkFileHere, type CheckJobInput } from '../core/db/integrity';

const { file, nativeBinding } = workerData as CheckJobInput;
if (!parentPort) throw new Error('check.js runs as a worker thread');
parentPort.postMessage(checkFileHere(file, nativeBinding));
