// PromQL string literals: Go escape rules in '…' and "…", raw text in `…`.
//
// Go strings are bytes; JS strings are UTF-16. Escapes that produce bytes (\xNN, \NNN)
// are collected and decoded as UTF-8. A byte that is not part of valid UTF-8 is kept
// as the lone surrogate U+DC00+byte ("surrogateescape"), so `"a\xc5z"` stays
// distinguishable from `"aÅz"` and prints back as `"a\xc5z"`.

export type UnquoteResult = { ok: true; value: string } | { ok: false; message: string; offset: number };

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Decodes collected bytes as UTF-8; invalid bytes become U+DC80..U+DCFF. */
function decodeBytes(bytes: number[]): string {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    let need = 0;
    let cp = 0;
    let min = 0;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      cp = b & 0x0f;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      cp = b & 0x07;
      min = 0x10000;
    }
    let ok = need > 0 && i + need < bytes.length;
    if (ok) {
      for (let k = 1; k <= need; k++) {
        const c = bytes[i + k];
        if (c === undefined || (c & 0xc0) !== 0x80) {
          ok = false;
          break;
        }
        cp = (cp << 6) | (c & 0x3f);
      }
    }
    if (ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
      out += String.fromCodePoint(cp);
      i += need + 1;
    } else {
      out += String.fromCharCode(0xdc00 + b);
      i++;
    }
  }
  return out;
}

/** Unquotes a complete string token (with its quotes). Offsets in errors are relative to the token. */
export function unquote(image: string): UnquoteResult {
  const quote = image.charCodeAt(0);
  const body = image.slice(1, -1);
  if (quote === 96 /* ` */) return { ok: true, value: body };
  // Fast path: no escapes.
  if (body.indexOf("\\") < 0) return { ok: true, value: body };
  let out = "";
  let bytes: number[] | undefined;
  const flush = (): void => {
    if (bytes !== undefined) {
      out += decodeBytes(bytes);
      bytes = undefined;
    }
  };
  let i = 0;
  while (i < body.length) {
    const c = body.charCodeAt(i);
    if (c !== 92 /* \ */) {
      flush();
      out += body[i];
      i++;
      continue;
    }
    const at = i + 1; // offset of the backslash within image
    const e = body[i + 1];
    if (e === undefined) return { ok: false, message: "escape sequence not terminated", offset: at };
    let simple: string | undefined;
    switch (e) {
      case "a": simple = "\x07"; break;
      case "b": simple = "\b"; break;
      case "f": simple = "\f"; break;
      case "n": simple = "\n"; break;
      case "r": simple = "\r"; break;
      case "t": simple = "\t"; break;
      case "v": simple = "\v"; break;
      case "\\": simple = "\\"; break;
      case "'":
      case '"':
        if (e.charCodeAt(0) !== quote) return { ok: false, message: `unknown escape sequence \\${e}`, offset: at };
        simple = e;
        break;
    }
    if (simple !== undefined) {
      flush();
      out += simple;
      i += 2;
      continue;
    }
    if (e === "x" || e === "u" || e === "U") {
      const n = e === "x" ? 2 : e === "u" ? 4 : 8;
      let v = 0;
      for (let k = 0; k < n; k++) {
        const h = hexVal(body.charCodeAt(i + 2 + k));
        if (h < 0) return { ok: false, message: `invalid escape sequence \\${e}: expected ${n} hex digits`, offset: at };
        v = v * 16 + h;
      }
      i += 2 + n;
      if (e === "x") {
        (bytes ??= []).push(v);
        continue;
      }
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
        return { ok: false, message: `invalid Unicode code point in escape sequence \\${e}`, offset: at };
      }
      flush();
      out += String.fromCodePoint(v);
      continue;
    }
    if (e >= "0" && e <= "7") {
      let v = 0;
      for (let k = 0; k < 3; k++) {
        const d = body.charCodeAt(i + 1 + k) - 48;
        if (!(d >= 0 && d <= 7)) return { ok: false, message: "invalid octal escape sequence: expected 3 octal digits", offset: at };
        v = v * 8 + d;
      }
      if (v > 255) return { ok: false, message: "octal escape value > 255", offset: at };
      (bytes ??= []).push(v);
      i += 4;
      continue;
    }
    return { ok: false, message: `unknown escape sequence \\${e}`, offset: at };
  }
  flush();
  return { ok: true, value: out };
}

const hex = "0123456789abcdef";

/** Quotes a string as a double-quoted PromQL literal that unquotes to the same value. */
export function quote(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 34) esc = '\\"';
    else if (c === 92) esc = "\\\\";
    else if (c < 0x20 || c === 0x7f) {
      switch (c) {
        case 7: esc = "\\a"; break;
        case 8: esc = "\\b"; break;
        case 9: esc = "\\t"; break;
        case 10: esc = "\\n"; break;
        case 11: esc = "\\v"; break;
        case 12: esc = "\\f"; break;
        case 13: esc = "\\r"; break;
        default: esc = "\\x" + hex[c >> 4] + hex[c & 15];
      }
    } else if (c >= 0xdc80 && c <= 0xdcff) {
      // A raw byte kept by unquote (see above), unless it is the low half of a pair.
      const prev = i > 0 ? s.charCodeAt(i - 1) : 0;
      if (!(prev >= 0xd800 && prev <= 0xdbff)) {
        const b = c - 0xdc00;
        esc = "\\x" + hex[b >> 4] + hex[b & 15];
      }
    }
    if (esc !== undefined) {
      out += s.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

/** True when s is valid UTF-16 without lone surrogates (a valid UTF-8 name once encoded). */
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

const legacyLabel = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const legacyMetric = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export function isLegacyLabelName(s: string): boolean {
  return legacyLabel.test(s);
}

export function isLegacyMetricName(s: string): boolean {
  return legacyMetric.test(s);
}

/**
 * Compares strings in UTF-8 byte order, as Go does (JS's < compares UTF-16 units, which
 * puts U+E000..U+FFFF after astral characters; UTF-8 puts them before).
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates encode code points above U+FFFF: lift them above every BMP unit.
    if (x >= 0xd800 && x <= 0xdfff) x += 0x10000;
    if (y >= 0xd800 && y <= 0xdfff) y += 0x10000;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
