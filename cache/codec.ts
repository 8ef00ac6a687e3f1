// The binary form of a cache entry (a list of extents), the same for the
// in-process LRU and Redis: float64 timestamps and values and length-prefixed
// UTF-8 strings, no JSON text. Decoded without parsing text; the points' JSON
// text is rendered once after decoding and kept in process (backend.ts keepForm).
import type { Labels } from "../storeapi/index.js";
import type { Extent } from "./extents.js";

const MAGIC = 0x4f584533; // "OXE3": OXE2 without the points' JSON text

/** A cache entry that is not ours or is cut short; the frontend treats it as a miss. */
export class CodecError extends Error {
  override name = "CodecError";
}

class Writer {
  private buf = Buffer.allocUnsafe(4096);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  u32(x: number): void {
    this.room(4);
    this.buf.writeUInt32LE(x, this.at);
    this.at += 4;
  }

  f64(x: number): void {
    this.room(8);
    this.buf.writeDoubleLE(x, this.at);
    this.at += 8;
  }

  /** The array's bytes as they are in memory: little-endian on every platform Node runs on. */
  f64s(xs: Float64Array): void {
    this.room(xs.byteLength);
    this.buf.set(new Uint8Array(xs.buffer, xs.byteOffset, xs.byteLength), this.at);
    this.at += xs.byteLength;
  }

  str(s: string): void {
    const n = Buffer.byteLength(s, "utf8");
    this.u32(n);
    this.room(n);
    this.at += this.buf.write(s, this.at, "utf8");
  }

  done(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new CodecError(`cache entry cut short at byte ${this.at} (needs ${n} more of ${this.buf.length})`);
  }

  u32(): number {
    this.need(4);
    const x = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return x;
  }

  f64(): number {
    this.need(8);
    const x = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return x;
  }

  /** n float64s copied out in one go (a copy, since the entry's bytes need not be 8-byte aligned). */
  f64s(n: number): Float64Array {
    this.need(n * 8);
    const out = new Float64Array(n);
    new Uint8Array(out.buffer).set(this.buf.subarray(this.at, this.at + n * 8));
    this.at += n * 8;
    return out;
  }

  str(): string {
    const n = this.u32();
    this.need(n);
    const s = this.buf.toString("utf8", this.at, this.at + n);
    this.at += n;
    return s;
  }
}

export function encodeExtents(extents: readonly Extent[]): Buffer {
  const w = new Writer();
  w.u32(MAGIC);
  w.u32(extents.length);
  for (const e of extents) {
    w.f64(e.start);
    w.f64(e.end);
    w.u32(e.infos.length);
    for (const i of e.infos) w.str(i);
    w.u32(e.series.length);
    for (const s of e.series) {
      w.u32(s.labels.length);
      for (const l of s.labels) {
        w.str(l.name);
        w.str(l.value);
      }
      w.u32(s.t.length);
      w.f64s(s.t);
      w.f64s(s.v);
    }
  }
  return w.done();
}

export function decodeExtents(buf: Buffer): Extent[] {
  const r = new Reader(buf);
  if (r.u32() !== MAGIC) throw new CodecError("cache entry is not an orrery extent list (bad magic)");
  const extents: Extent[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const start = r.f64();
    const end = r.f64();
    const infos: string[] = [];
    for (let i = r.u32(); i > 0; i--) infos.push(r.str());
    const series: Extent["series"] = [];
    for (let k = r.u32(); k > 0; k--) {
      const labels: { name: string; value: string }[] = [];
      for (let l = r.u32(); l > 0; l--) labels.push({ name: r.str(), value: r.str() });
      const n = r.u32();
      const t = r.f64s(n);
      const v = r.f64s(n);
      series.push({ labels: labels as Labels, t, v });
    }
    extents.push({ start, end, infos, series });
  }
  return extents;
}
