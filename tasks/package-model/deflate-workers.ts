/**
 * A fixed set of worker threads that deflate blocks with node:zlib, one block per worker at a time, so that
 * gzip's CPU work spreads over every vCPU. Each block comes back with its CRC-32, computed where its bytes are.
 */
import { Worker } from 'node:worker_threads';

/** One block to deflate. */
export interface DeflateJob {
  /** The block's bytes. Its buffer is transferred to the worker: the caller must not use it afterwards. */
  readonly input: Uint8Array;
  /** Up to 32 KiB that precede the block in the stream, which its matches may refer to; transferred too. */
  readonly dictionary: Uint8Array | undefined;
  readonly level: number;
  /** The stream's last block ends with BFINAL set; the others end on a sync flush (a byte boundary). */
  readonly last: boolean;
}

/** A deflated block and the CRC-32 of its input. */
export interface DeflatedBlock {
  readonly deflated: Uint8Array;
  readonly crc: number;
}

/**
 * The workers' code, evaluated as CommonJS in each thread: a string, so that it needs no file of its own next
 * to the bundled handler (NodejsFunction deploys one file) and runs the same from source and from the bundle.
 *
 * A non-final block ends with Z_SYNC_FLUSH: zlib ends it with an empty stored block, which aligns the output to a
 * byte and sets no BFINAL, so the next block's deflate stream can follow it directly (zlib manual, deflate();
 * RFC 1951 §3.2.3-3.2.4). The dictionary makes the first bytes of a block compress as well as in one long
 * stream: raw deflate may take a dictionary before its first input (zlib manual, deflateSetDictionary), and the
 * decoder has those same bytes in its window when it reaches the block.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
/** A Uint8Array that owns its whole buffer, so transferring the buffer moves nothing else (zlib may slice). */
function owned(bytes) {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}
parentPort.on('message', (job) => {
  try {
    const options = { level: job.level, finishFlush: job.last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH };
    if (job.dictionary !== undefined) options.dictionary = job.dictionary;
    const deflated = owned(zlib.deflateRawSync(job.input, options));
    parentPort.postMessage({ deflated, crc: zlib.crc32(job.input) }, [deflated.buffer]);
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
`;

interface Pending {
  readonly job: DeflateJob;
  resolve(block: DeflatedBlock): void;
  reject(error: Error): void;
}

/** A worker and the job it is on, if any. */
interface Slot {
  readonly worker: Worker;
  current: Pending | undefined;
}

/** A transferable copy of `bytes` when it shares its buffer with other data (a Buffer from Node's pool). */
function transferable(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  return bytes.slice();
}

/** `size` deflate workers; jobs beyond them wait in order. Close it when done: its threads end with it. */
export class DeflateWorkers {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private failure: Error | undefined;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be a whole number >= 1, got ${size}`);
    for (let i = 0; i < size; i += 1) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      // An idle worker never keeps the process alive; a busy one does, until its block is back.
      worker.unref();
      const slot: Slot = { worker, current: undefined };
      worker.on('message', (message: DeflatedBlock | { error: string }) => {
        const done = slot.current;
        slot.current = undefined;
        worker.unref();
        if ('error' in message) done?.reject(new Error(`Deflating a block failed: ${message.error}`));
        else done?.resolve(message);
        this.dispatch();
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => this.fail(new Error(`A deflate worker exited with code ${code}`)));
      this.slots.push(slot);
    }
  }

  /** Deflates one block on the next free worker. */
  deflate(job: DeflateJob): Promise<DeflatedBlock> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends the threads; a job still pending fails. */
  async close(): Promise<void> {
    this.fail(new Error('The deflate workers were closed'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      const next = slot.current === undefined ? this.queue.shift() : undefined;
      if (next === undefined) continue;
      slot.current = next;
      const input = transferable(next.job.input);
      const dictionary = next.job.dictionary === undefined ? undefined : transferable(next.job.dictionary);
      slot.worker.ref();
      slot.worker.postMessage(
        { input, dictionary, level: next.job.level, last: next.job.last },
        dictionary === undefined
          ? [input.buffer as ArrayBuffer]
          : [input.buffer as ArrayBuffer, dictionary.buffer as ArrayBuffer],
      );
    }
  }

  /** Fails every job, running or waiting, and every later one, with the first error. */
  private fail(error: Error): void {
    this.failure ??= error;
    const pending = [...this.slots.flatMap((slot) => (slot.current ? [slot.current] : [])), ...this.queue.splice(0)];
    for (const slot of this.slots) slot.current = undefined;
    for (const job of pending) job.reject(this.failure);
  }
}
