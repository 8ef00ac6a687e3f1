// Interns ASCII label strings straight from request bytes: a known string costs a hash and a
// compare, no allocation, and every series shares one copy of each name and value.
import { isValidUtf8 } from "./labels.js";

/** Whether buf[start, end) holds the ASCII string s (false for any non-ASCII character of s). */
export function equalsAscii(s: string, buf: Uint8Array, start: number, end: number): boolean {
  if (s.length !== end - start) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || c !== buf[start + i]) return false;
  }
  return true;
}

export class StringInterner {
  private readonly byHash = new Map<number, string | string[]>();
  private readonly maxEntries: number;

  /** Cleared when it reaches maxEntries distinct strings, so it stays bounded. */
  constructor(maxEntries = 1_000_000) {
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The string of buf[start, end) (UTF-8; undefined when invalid); `text` is a Buffer over the same bytes. */
  get(buf: Uint8Array, start: number, end: number, text: Buffer): string | undefined {
    let h = 0x811c9dc5;
    let ascii = true;
    for (let i = start; i < end; i++) {
      const b = buf[i];
      if (b >= 0x80) ascii = false;
      h = Math.imul(h ^ b, 0x01000193);
    }
    if (!ascii) return isValidUtf8(buf, start, end) ? text.toString("utf8", start, end) : undefined;
    const hit = this.byHash.get(h);
    if (typeof hit === "string") {
      if (equalsAscii(hit, buf, start, end)) return hit;
    } else if (hit !== undefined) {
      for (const s of hit) if (equalsAscii(s, buf, start, end)) return s;
    }
    const s = text.toString("latin1", start, end);
    if (this.byHash.size >= this.maxEntries) this.byHash.clear();
    if (hit === undefined) this.byHash.set(h, s);
    else if (typeof hit === "string") this.byHash.set(h, [hit, s]);
    else hit.push(s);
    return s;
  }
}
