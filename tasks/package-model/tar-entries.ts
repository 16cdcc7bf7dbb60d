/**
 * The tar format, one entry at a time, so an archive can be written from streams whose sizes are known up
 * front (S3 objects) without touching disk. Headers are encoded by the `tar` package (ustar, with a pax
 * header for paths too long for ustar).
 */
import { Header } from 'tar/header';
import { Pax } from 'tar/pax';

const BLOCK_SIZE = 512;

/** One entry's metadata. */
interface TarEntry {
  path: string;
  size: number;
  mtime: Date;
  type: 'File' | 'Directory';
}

/** The header block(s) of an entry: a pax header first when the path does not fit ustar. */
export function tarHeader(entry: TarEntry): Buffer {
  const data = {
    path: entry.path,
    mode: entry.type === 'Directory' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    size: entry.type === 'Directory' ? 0 : entry.size,
    mtime: entry.mtime,
    type: entry.type,
  } as const;
  const header = new Header(data);
  const block = Buffer.alloc(BLOCK_SIZE);
  const needsPax = header.encode(block, 0);
  return needsPax ? Buffer.concat([new Pax(data).encode(), block]) : block;
}

/** Zero bytes that round an entry's data up to a whole block. */
export function tarPadding(size: number): Buffer {
  const remainder = size % BLOCK_SIZE;
  return Buffer.alloc(remainder === 0 ? 0 : BLOCK_SIZE - remainder);
}

/** The two zero blocks that end an archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK_SIZE);
