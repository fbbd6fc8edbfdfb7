/**
 * A minimal POSIX ustar writer and reader for backup files (regular files only, names ≤ 100 bytes). Enough for
 * `tar tf` / `tar xf` to read our backups; not a general tar library — it refuses anything else it reads.
 */
export interface TarEntry {
  name: string;
  data: Buffer;
  mtimeMs: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(e: TarEntry): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const name = Buffer.from(e.name, 'utf8');
  if (name.byteLength > 100) throw new Error(`tar: name too long: ${e.name}`);
  name.copy(h, 0);
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(e.data.byteLength, 12), 124, 'ascii');
  h.write(octal(Math.floor(e.mtimeMs / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum field counts as spaces while summing
  h.write('0', 156, 'ascii'); // regular file
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e), e.data);
    const pad = (BLOCK - (e.data.byteLength % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0)); // end of archive
  return Buffer.concat(parts);
}

export function readTar(buf: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  while (off + BLOCK <= buf.byteLength) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    const field = (start: number, len: number) => h.subarray(start, start + len).toString('ascii').replace(/\0.*$/s, '').trim();
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (parseInt(field(148, 8), 8) !== sum) throw new Error(`tar: bad header checksum at byte ${off}`);
    const type = field(156, 1);
    if (type !== '0' && type !== '') throw new Error(`tar: unsupported entry type ${JSON.stringify(type)} at byte ${off}`);
    const name = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12), 8);
    if (!Number.isFinite(size) || off + BLOCK + size > buf.byteLength) throw new Error(`tar: truncated entry ${name}`);
    out.push({ name, data: Buffer.from(buf.subarray(off + BLOCK, off + BLOCK + size)), mtimeMs: parseInt(field(136, 12), 8) * 1000 });
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}
