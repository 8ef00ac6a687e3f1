// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-8 over tables built once per process.

const POLY = 0x82f63b78;

function buildTables(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let s = 1; s < 8; s++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[s * 256 + n] = c >>> 0;
    }
  }
  return t;
}

// Read-only lookup tables: a constant, not mutable state.
const TABLES = buildTables();

/** CRC32C of buf[start, end), continuing from `crc` (0 for a fresh checksum). */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length, crc = 0): number {
  return ~update(buf, start, end, ~crc >>> 0) >>> 0;
}

/**
 * The register c after buf[start, end). Nothing follows its long loop: a first long call is optimized
 * mid-loop (OSR), and an operation not yet run then has no type feedback, so every later call deopted.
 */
function update(buf: Uint8Array, start: number, end: number, c: number): number {
  const t = TABLES;
  let i = start;
  // The bytes past a multiple of 8 first, so this loop has run before the long one.
  for (const head = start + ((end - start) & 7); i < head; i++) c = t[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  for (; i + 8 <= end; i += 8) {
    const lo = (c ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24))) >>> 0;
    c =
      t[1792 + (lo & 0xff)] ^
      t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^
      t[1024 + (lo >>> 24)] ^
      t[768 + buf[i + 4]] ^
      t[512 + buf[i + 5]] ^
      t[256 + buf[i + 6]] ^
      t[buf[i + 7]];
  }
  return c;
}
