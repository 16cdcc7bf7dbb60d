/**
 * The parallel gzip writer on its own: what it writes reads back with zlib and with GNU gzip, block by block as
 * RFC 1951/1952 describe, the same bytes whatever the number of workers, and no further ahead of its reader than
 * its bounded queue allows. And the CRC-32 combination its trailer relies on.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { crc32, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32Combine } from '../../tasks/package-model/crc32-combine.ts';
import { gzipHeader, gzipInParallel, gzipTrailer } from '../../tasks/package-model/parallel-gzip.ts';

/** Text that compresses well and has matches reaching back across block boundaries. */
function text(bytes: number): Buffer {
  const lines: string[] = [];
  for (let i = 0, length = 0; length < bytes; i += 1) {
    const line = `${i % 977} weights for layer ${i % 31} of the model, shard ${i % 7}\n`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

/** The input as a stream of chunks of `chunkBytes`, as a network read delivers it. */
async function* chunksOf(data: Buffer, chunkBytes = 7777): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.length; offset += chunkBytes) yield data.subarray(offset, offset + chunkBytes);
}

/** Every chunk the writer yields: the header, one per block, the trailer. */
async function gzipChunks(data: Buffer, options: Parameters<typeof gzipInParallel>[1]): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of gzipInParallel(chunksOf(data), options)) chunks.push(Buffer.from(chunk));
  return chunks;
}

const gzip = async (data: Buffer, options: Parameters<typeof gzipInParallel>[1]) =>
  Buffer.concat(await gzipChunks(data, options));

/** GNU gzip's verdict on `archive` (`gzip -t`), and what `gzip -dc` makes of it. */
function gnuGzip(archive: Buffer): { tested: boolean; decompressed: Buffer } {
  execFileSync('gzip', ['-t'], { input: archive });
  return { tested: true, decompressed: execFileSync('gzip', ['-dc'], { input: archive, maxBuffer: 64 * 1024 ** 2 }) };
}

/** The sync-flush marker: the empty stored block (BFINAL 0, LEN 0, NLEN 0xFFFF) zlib ends a flushed block with. */
const SYNC_MARKER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

describe('gzipInParallel', () => {
  it('writes gzip that zlib and GNU gzip read back, for compressible and random data', async () => {
    for (const data of [text(3 * 1024 * 1024 + 123), randomBytes(2 * 1024 * 1024 + 5)]) {
      const archive = await gzip(data, { level: 6, workers: 3 });

      expect(gunzipSync(archive).equals(data)).toBe(true);
      const gnu = gnuGzip(archive);
      expect(gnu.tested).toBe(true);
      expect(gnu.decompressed.equals(data)).toBe(true);
    }
  });

  it('writes the same bytes whatever the number of workers', async () => {
    const data = Buffer.concat([text(1_500_000), randomBytes(700_000), text(900_000)]);

    const one = await gzip(data, { level: 6, workers: 1, blockBytes: 256 * 1024 });
    const three = await gzip(data, { level: 6, workers: 3, blockBytes: 256 * 1024 });

    expect(three.equals(one)).toBe(true);
  });

  it('compresses about as well as single-stream gzip: each block takes the 32 KiB before it as its dictionary', async () => {
    const data = text(4 * 1024 * 1024);

    const parallel = await gzip(data, { level: 6, workers: 2 });
    const single = gzipSync(data, { level: 6 });

    expect(parallel.length).toBeLessThan(single.length * 1.01);
  });

  it('ends each block but the last on a sync flush, and only the last sets BFINAL', async () => {
    const data = text(3 * 4096 + 100);

    const chunks = await gzipChunks(data, { level: 6, workers: 2, blockBytes: 4096 });

    const [header, ...rest] = chunks;
    const trailer = rest.pop() as Buffer;
    expect(header).toEqual(gzipHeader(6));
    expect(rest).toHaveLength(4);
    for (const block of rest.slice(0, -1)) {
      expect(block.subarray(-4)).toEqual(SYNC_MARKER);
      // Each block's first deflate block header: BFINAL is its lowest bit.
      expect((block[0] as number) & 1).toBe(0);
    }
    // The blocks so far end on a byte boundary, and inflate to exactly the first three blocks of input.
    expect(
      inflateRawSync(Buffer.concat(rest.slice(0, -1)), { finishFlush: 2 }).equals(data.subarray(0, 3 * 4096)),
    ).toBe(true);
    expect(trailer).toEqual(gzipTrailer(crc32(data), data.length));
    expect(gunzipSync(Buffer.concat(chunks)).equals(data)).toBe(true);
  });

  it('ends with an empty final block when the input ends on a block boundary', async () => {
    const data = text(2 * 4096);

    const chunks = await gzipChunks(data, { level: 6, workers: 2, blockBytes: 4096 });

    // Header, two blocks, the empty final block (a fixed-Huffman block holding only end-of-block), trailer.
    expect(chunks).toHaveLength(5);
    expect(chunks[3]).toEqual(Buffer.from([0x03, 0x00]));
    expect(gunzipSync(Buffer.concat(chunks)).equals(data)).toBe(true);
    expect(gnuGzip(Buffer.concat(chunks)).decompressed.equals(data)).toBe(true);
  });

  it('keeps back-references right when blocks are smaller than the 32 KiB window', async () => {
    const data = text(200_000);

    const archive = await gzip(data, { level: 9, workers: 3, blockBytes: 1000 });

    expect(gunzipSync(archive).equals(data)).toBe(true);
    expect(gnuGzip(archive).decompressed.equals(data)).toBe(true);
  });

  it('writes an empty gzip member for empty input', async () => {
    const archive = await gzip(Buffer.alloc(0), { level: 6, workers: 2 });

    expect(archive).toEqual(Buffer.concat([gzipHeader(6), Buffer.from([0x03, 0x00]), gzipTrailer(0, 0)]));
    expect(gunzipSync(archive)).toHaveLength(0);
    expect(gnuGzip(archive).decompressed).toHaveLength(0);
  });

  it.each([1, 6, 9])(
    'writes exactly what zlib gzip writes for input smaller than one block (level %i)',
    async (level) => {
      const data = text(300_000);

      const archive = await gzip(data, { level, workers: 2 });

      expect(archive.equals(gzipSync(data, { level }))).toBe(true);
    },
  );

  it('reads no further ahead than two blocks per worker while its reader waits', async () => {
    const blockBytes = 4096;
    let read = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        read += 1024;
        yield randomBytes(1024);
      }
    }
    const archive = gzipInParallel(endless(), { level: 1, workers: 2, blockBytes });

    // The header and the first block, then nothing more is asked for.
    await archive.next();
    await archive.next();
    await new Promise((resolve) => setImmediate(resolve));
    await archive.return();

    // 2 x 2 blocks in flight, the one just taken, and the one being filled.
    expect(read).toBeLessThanOrEqual((2 * 2 + 2) * blockBytes);
  });

  it('fails with the input’s own error', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield text(10_000);
      throw Object.assign(new Error('s3://models/b.bin changed while it was packaged'), {
        name: 'ModelSourceChangedError',
      });
    }

    const consuming = (async () => {
      for await (const _chunk of gzipInParallel(failing(), { level: 6, workers: 2, blockBytes: 4096 })) {
        // read on
      }
    })();

    await expect(consuming).rejects.toMatchObject({ name: 'ModelSourceChangedError' });
  });

  it('refuses a level outside 1-9', async () => {
    await expect(gzipInParallel(chunksOf(text(10)), { level: 0, workers: 1 }).next()).rejects.toThrow(
      'level must be 1-9, got 0',
    );
  });
});

describe('gzipTrailer', () => {
  it('holds the CRC-32 and the input length modulo 2^32, little-endian (RFC 1952 §2.3)', () => {
    expect(gzipTrailer(0xcbf43926, 2 ** 32 + 5)).toEqual(Buffer.from([0x26, 0x39, 0xf4, 0xcb, 5, 0, 0, 0]));
  });
});

describe('crc32Combine', () => {
  it('gives the CRC-32 of two byte strings end to end from their own CRC-32s and the second one’s length', () => {
    for (const [lengthA, lengthB] of [
      [0, 0],
      [0, 17],
      [17, 0],
      [1, 1],
      [1000, 3],
      [65_536, 1_048_576],
      [1_048_576 + 3, 999_999],
    ] as const) {
      const a = randomBytes(lengthA);
      const b = randomBytes(lengthB);

      expect(crc32Combine(crc32(a), crc32(b), lengthB), `${lengthA} + ${lengthB}`).toBe(crc32(Buffer.concat([a, b])));
    }
  });

  it('combines any number of blocks in order into the CRC-32 of the whole', () => {
    const blocks = Array.from({ length: 20 }, (_, i) => randomBytes(i * 997));

    const combined = blocks.reduce((crc, block) => crc32Combine(crc, crc32(block), block.length), 0);

    expect(combined).toBe(crc32(Buffer.concat(blocks)));
  });

  it('handles lengths beyond 4 GiB: appending 2^33 zero bytes is appending 2^24 zeros 2^9 times', () => {
    const zeros = Buffer.alloc(2 ** 24);
    const start = crc32(Buffer.from('model.tar'));

    const blockCrc = crc32(zeros);
    let stepwise = start;
    for (let i = 0; i < 2 ** 9; i += 1) stepwise = crc32Combine(stepwise, blockCrc, zeros.length);
    // CRC-32 of 2^33 zero bytes, built another way: 2^24 zeros doubled 9 times.
    let zerosCrc = blockCrc;
    for (let length = 2 ** 24; length < 2 ** 33; length *= 2) zerosCrc = crc32Combine(zerosCrc, zerosCrc, length);

    expect(crc32Combine(start, zerosCrc, 2 ** 33)).toBe(stepwise);
  });
});
