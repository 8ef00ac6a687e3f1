// Interns ASCII label strings and pairs straight from request bytes: a known one costs a hash and a
// compare, no allocation, and every series shares one copy of each name, value and pair.
import type { Label } from "../../../storeapi/index.js";
import { decodeLabel, isValidUtf8 } from "./labels.js";

/** Whether buf[start, end) holds the ASCII string s (false for any non-ASCII character of s). */
export function equalsAscii(s: string, buf: Uint8Array, start: number, end: number): boolean {
  if (s.length !== end - start) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || c !== buf[start + i]) return false;
  }
  return true;
}

/**
 * Interned values by a 32-bit hash of their bytes: a bucket holds one value, or an array of those
 * whose hashes collide. Cleared once it holds maxEntries buckets, so it stays bounded.
 */
class InternTable<T extends string | Label> {
  private readonly byHash = new Map<number, T | T[]>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.byHash.size;
  }

  /** The value or values under hash h (the caller compares their bytes). */
  bucket(h: number): T | T[] | undefined {
    return this.byHash.get(h);
  }

  /** Adds a value under h, whose bucket() was `hit` just before. */
  add(h: number, hit: T | T[] | undefined, value: T): void {
    if (this.byHash.size >= this.maxEntries) this.byHash.clear();
    if (hit === undefined || this.byHash.size === 0) this.byHash.set(h, value);
    else if (!Array.isArray(hit)) this.byHash.set(h, [hit, value]);
    else hit.push(value);
  }
}

export class StringInterner {
  private readonly table: InternTable<string>;

  /** Cleared when it reaches maxEntries distinct strings, so it stays bounded. */
  constructor(maxEntries = 1_000_000) {
    this.table = new InternTable(maxEntries);
  }

  get size(): number {
    return this.table.size;
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
    const hit = this.table.bucket(h);
    if (typeof hit === "string") {
      if (equalsAscii(hit, buf, start, end)) return hit;
    } else if (hit !== undefined) {
      for (const s of hit) if (equalsAscii(s, buf, start, end)) return s;
    }
    const s = text.toString("latin1", start, end);
    this.table.add(h, hit, s);
    return s;
  }
}

/**
 * Interns whole label pairs straight from request bytes: a known pair costs one hash over both
 * byte ranges and two compares, and hands back the same Label object every time, so a new series'
 * label set holds no objects of its own (the head's postings keep that object as the pair's).
 */
export class LabelInterner {
  private readonly table: InternTable<Label>;
  /** Whether the last get's name and value were ASCII (its label then holds exactly those bytes). */
  lastAscii = true;

  /** `strings` makes a new pair's name and value; cleared when it reaches maxEntries distinct pairs. */
  constructor(
    private readonly strings: StringInterner,
    maxEntries = 1_000_000,
  ) {
    this.table = new InternTable(maxEntries);
  }

  get size(): number {
    return this.table.size;
  }

  /** The label of name buf[ns, ne) and value buf[vs, ve) (UTF-8; undefined when either is invalid). */
  get(buf: Uint8Array, ns: number, ne: number, vs: number, ve: number, text: Buffer): Label | undefined {
    let h = 0x811c9dc5;
    let high = 0;
    for (let i = ns; i < ne; i++) {
      const b = buf[i];
      high |= b;
      h = Math.imul(h ^ b, 0x01000193);
    }
    // A byte no UTF-8 text holds, so name "ab" value "c" and name "a" value "bc" hash apart.
    h = Math.imul(h ^ 0xff, 0x01000193);
    for (let i = vs; i < ve; i++) {
      const b = buf[i];
      high |= b;
      h = Math.imul(h ^ b, 0x01000193);
    }
    this.lastAscii = high < 0x80;
    if (high >= 0x80) return decodeLabel(buf, ns, ne, vs, ve, text, this.strings);
    const hit = this.table.bucket(h);
    if (hit !== undefined && !Array.isArray(hit)) {
      if (samePair(hit, buf, ns, ne, vs, ve)) return hit;
    } else if (hit !== undefined) {
      for (const l of hit) if (samePair(l, buf, ns, ne, vs, ve)) return l;
    }
    const label = decodeLabel(buf, ns, ne, vs, ve, text, this.strings)!;
    this.table.add(h, hit, label);
    return label;
  }
}

function samePair(l: Label, buf: Uint8Array, ns: number, ne: number, vs: number, ve: number): boolean {
  return equalsAscii(l.value, buf, vs, ve) && equalsAscii(l.name, buf, ns, ne);
}
