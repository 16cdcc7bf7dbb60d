/**
 * A fixed set of worker threads that deflate blocks with node:zlib, one block per worker at a time, so that
 * gzip's CPU work spreads over every vCPU. Each block comes back with its CRC-32, computed where its bytes are.
 */
import { Worker } from 'node:worker_threads';

/**
 * One block to deflate, in a buffer laid out as [dictionary | input]: the dictionary is the (up to) 32 KiB of the
 * stream just before the input, which the input's matches may refer to. The buffer travels to the worker and
 * back without a copy, so that neither side leaves a block-sized garbage buffer behind per block.
 */
interface DeflateJob {
  /** Transferred to the worker: the caller must not touch it until it comes back in the DeflatedBlock. */
  readonly buffer: Uint8Array;
  /** Bytes of dictionary at the start of `buffer` (0 for the stream's first block). */
  readonly dictionaryBytes: number;
  /** Bytes of input after the dictionary. */
  readonly inputBytes: number;
  readonly level: number;
  /** The stream's last block ends with BFINAL set; the others end on a sync flush (a byte boundary). */
  readonly last: boolean;
}

/** A deflated block, the CRC-32 of its input, and the job's buffer, handed back for the next block. */
export interface DeflatedBlock {
  readonly deflated: Uint8Array;
  readonly crc: number;
  readonly buffer: Uint8Array;
}

/**
 * The workers' code, evaluated as CommonJS in each thread: a string, so that it needs no file of its own next
 * to the bundled handler (NodejsFunction deploys one file) and runs the same from source and from the bundle.
 *
 * A non-final block ends with Z_SYNC_FLUSH: zlib ends it with an empty stored block, which aligns the output to a
 * byte and sets no BFINAL, so the next block's deflate data can follow it directly (zlib manual, deflate();
 * RFC 1951 §3.2.3-3.2.4). The dictionary makes the first bytes of a block compress as well as in one long
 * stream: raw deflate may take a dictionary before its first input (zlib manual, deflateSetDictionary), and the
 * decoder has those same bytes in its window when it reaches the block.
 *
 * Garbage: a worker allocates little on its JavaScript heap, so its garbage collector runs rarely, and
 * block-sized buffers left behind would pile up in every worker between collections (tens of MB each). So the
 * job's buffer goes back to the main thread for the next block, and the output is deflated into a single chunk
 * sized from the ratio of the worker's previous block (`chunkSize`), whose buffer is then moved to the main thread,
 * not copied. Only an output small enough to sit in Node's shared buffer pool, which cannot move, is copied.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
/** Output bytes per input byte of this worker's previous block. */
let ratio = 1;
parentPort.on('message', (job) => {
  try {
    const dictionary = job.dictionaryBytes > 0 ? job.buffer.subarray(0, job.dictionaryBytes) : undefined;
    const input = job.buffer.subarray(job.dictionaryBytes, job.dictionaryBytes + job.inputBytes);
    // Room for a block that does not compress at all: stored blocks add 5 bytes per 16 KiB or more, plus the flush.
    const bound = job.inputBytes + (job.inputBytes >> 7) + 1024;
    const options = {
      level: job.level,
      chunkSize: Math.min(bound, Math.ceil(job.inputBytes * ratio * 1.125) + 4096),
      finishFlush: job.last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
    };
    if (dictionary !== undefined) options.dictionary = dictionary;
    const output = zlib.deflateRawSync(input, options);
    ratio = output.byteLength / Math.max(1, job.inputBytes);
    const movable = output.byteOffset === 0 && output.byteLength > Buffer.poolSize;
    const deflated = movable ? output : new Uint8Array(output);
    const crc = zlib.crc32(input);
    parentPort.postMessage({ deflated, crc, buffer: job.buffer }, [deflated.buffer, job.buffer.buffer]);
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error), buffer: job.buffer });
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
      worker.on('message', (message: DeflatedBlock | { error: string; buffer: Uint8Array }) => {
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
    const { buffer, dictionaryBytes, inputBytes } = job;
    if (buffer.byteOffset !== 0 || buffer.byteLength !== buffer.buffer.byteLength) {
      throw new RangeError('buffer must be a whole ArrayBuffer: it is moved to the worker');
    }
    if (dictionaryBytes < 0 || dictionaryBytes > 32 * 1024 || dictionaryBytes + inputBytes > buffer.byteLength) {
      throw new RangeError(
        `dictionaryBytes (${dictionaryBytes}, at most 32 KiB) and inputBytes (${inputBytes}) must fit the buffer (${buffer.byteLength} bytes)`,
      );
    }
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
      slot.worker.ref();
      slot.worker.postMessage(next.job, [next.job.buffer.buffer as ArrayBuffer]);
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
