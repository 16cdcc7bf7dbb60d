/**
 * gzip on every vCPU: the input is cut into blocks that worker threads deflate independently, and the blocks are
 * put back in order into one standard gzip member (RFC 1952), which gzip, GNU tar, Python's tarfile and any
 * other inflater read as usual.
 *
 * - One header, then the blocks' raw deflate data end to end, then one trailer: the CRC-32 of the whole input,
 *   combined from the blocks' own CRCs (crc32-combine.ts), and ISIZE, the input's length mod 2^32.
 * - Each block but the last ends on a sync flush (byte-aligned, no BFINAL), so the next block's data can follow;
 *   the last one ends the deflate stream with BFINAL (deflate-workers.ts).
 * - Each block is deflated with the 32 KiB of input before it as its dictionary, so matches across a block
 *   boundary are still found and the archive stays about as small as single-threaded gzip makes it.
 * - Memory is bounded whatever the input's size: at most twice as many blocks as workers are in flight, and the
 *   input is read only as fast as the output is taken.
 *
 * The output depends only on the input, the level and the block size, not on the number of workers.
 */
import { crc32Combine } from './crc32-combine.ts';
import { type DeflatedBlock, DeflateWorkers } from './deflate-workers.ts';

/** Block size: large enough that handing a block to a thread costs well under 1% of deflating it. */
export const DEFAULT_BLOCK_BYTES = 1024 * 1024;
/** Deflate's window (RFC 1951 §2: distances up to 32,768 bytes): the most of the past a block can refer to. */
const WINDOW_BYTES = 32 * 1024;

/** How to compress. */
interface ParallelGzipOptions {
  /** gzip level, 1 (fastest) to 9 (smallest). */
  readonly level: number;
  /** Worker threads; the vCPUs the process may use (`os.availableParallelism()`). */
  readonly workers: number;
  /** Uncompressed bytes per block. @default DEFAULT_BLOCK_BYTES */
  readonly blockBytes?: number;
}

/**
 * The 10-byte member header (RFC 1952 §2.3): ID1 ID2, CM = 8 (deflate), no flags, MTIME = 0 (no time stamp,
 * so the same input gives the same bytes), XFL = 2 at level 9 and 4 at level 1 as §2.3.1 describes, OS = 3 (Unix).
 */
export function gzipHeader(level: number): Buffer {
  const extraFlags = level === 9 ? 2 : level === 1 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, extraFlags, 3]);
}

/** The 8-byte member trailer (RFC 1952 §2.3): CRC32 and ISIZE, both little-endian. */
export function gzipTrailer(crc: number, inputBytes: number): Buffer {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(inputBytes % 2 ** 32, 4);
  return trailer;
}

/** A block handed to the workers, in stream order. */
interface BlockInFlight {
  readonly inputBytes: number;
  readonly result: Promise<DeflatedBlock>;
}

/** gzip of `input` (the header, then about one chunk per block, then the trailer), deflated on `options.workers` threads. */
export async function* gzipInParallel(
  input: AsyncIterable<Uint8Array>,
  options: ParallelGzipOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const { level, workers, blockBytes = DEFAULT_BLOCK_BYTES } = options;
  if (!Number.isInteger(level) || level < 1 || level > 9) throw new RangeError(`level must be 1-9, got ${level}`);
  if (!Number.isInteger(blockBytes) || blockBytes < 1) {
    throw new RangeError(`blockBytes must be a whole number >= 1, got ${blockBytes}`);
  }
  const pool = new DeflateWorkers(workers);
  const maxInFlight = 2 * workers;
  const inFlight: BlockInFlight[] = [];
  // Block buffers are [window | block]: the window (up to 32 KiB of the input just before the block) is the
  // block's dictionary. They go to a worker and come back, and are used again: at most maxInFlight + 1 exist.
  const bufferBytes = WINDOW_BYTES + blockBytes;
  const spare: Uint8Array[] = [];
  let buffer: Uint8Array = new Uint8Array(bufferBytes);
  let windowBytes = 0;
  let filled = 0;
  let crc = 0;
  let totalBytes = 0;

  const submit = (last: boolean) => {
    const next = spare.pop() ?? new Uint8Array(bufferBytes);
    // The next block's window: the last 32 KiB of this block's window and data.
    const end = windowBytes + filled;
    const nextWindowBytes = Math.min(WINDOW_BYTES, end);
    next.set(buffer.subarray(end - nextWindowBytes, end), 0);
    const result = pool.deflate({ buffer, dictionaryBytes: windowBytes, inputBytes: filled, level, last });
    // Awaited in order below; until then a failure must not count as unhandled.
    result.catch(() => undefined);
    inFlight.push({ inputBytes: filled, result });
    buffer = next;
    windowBytes = nextWindowBytes;
    filled = 0;
  };
  const takeOldest = async (): Promise<Uint8Array> => {
    const oldest = inFlight.shift() as BlockInFlight;
    const done = await oldest.result;
    spare.push(done.buffer);
    crc = crc32Combine(crc, done.crc, oldest.inputBytes);
    totalBytes += oldest.inputBytes;
    return done.deflated;
  };

  try {
    yield gzipHeader(level);
    for await (const chunk of input) {
      for (let offset = 0; offset < chunk.byteLength; ) {
        const taken = Math.min(blockBytes - filled, chunk.byteLength - offset);
        buffer.set(chunk.subarray(offset, offset + taken), windowBytes + filled);
        filled += taken;
        offset += taken;
        if (filled < blockBytes) continue;
        submit(false);
        while (inFlight.length >= maxInFlight) yield await takeOldest();
      }
    }
    // The last block may be empty (the input ended on a block boundary): it then only carries BFINAL.
    submit(true);
    while (inFlight.length > 0) yield await takeOldest();
    yield gzipTrailer(crc, totalBytes);
  } finally {
    await pool.close();
  }
}
