// Turns a decoded series' label byte ranges into a validated, sorted label set.
import { compareUtf8, type Label, type Labels } from "../../../storeapi/index.js";
import type { DecodedWriteRequest } from "./decode.js";

/** Whether buf[start, end) is well-formed UTF-8 (ASCII fast path). */
export function isValidUtf8(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      n = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (i + n >= end) return false;
    for (let k = 1; k <= n; k++) {
      const c = buf[i + k];
      if ((c & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

/** A label set, or why it is invalid. */
export type LabelsResult = { ok: true; labels: Labels } | { ok: false; reason: string };

function describe(text: Buffer, req: DecodedWriteRequest, from: number, to: number): string {
  const parts: string[] = [];
  for (let j = from; j < to && parts.length < 8; j++) {
    parts.push(`${text.toString("utf8", req.nameStart[j], req.nameEnd[j])}=${JSON.stringify(text.toString("utf8", req.valueStart[j], req.valueEnd[j]))}`);
  }
  return "{" + parts.join(", ") + (to - from > 8 ? ", …" : "") + "}";
}

/**
 * Labels of series i: sorted by name (UTF-8 byte order, as the head keeps them), labels with empty values dropped (they mean "absent", as in
 * PromQL). Invalid: no labels, an empty or repeated name, or text that is not UTF-8.
 */
export function seriesLabels(req: DecodedWriteRequest, i: number, text: Buffer): LabelsResult {
  return labelRanges(req, req.labelStart[i], req.labelStart[i + 1], text, req.nameStart, req.nameEnd, req.valueStart, req.valueEnd, false);
}

/** Labels of exemplar j (same rules, but an empty set is allowed). */
export function exemplarLabels(req: DecodedWriteRequest, j: number, text: Buffer): LabelsResult {
  const from = req.exLabelStart[j];
  const to = req.exLabelStart[j + 1];
  return labelRanges(req, from, to, text, req.exNameStart, req.exNameEnd, req.exValueStart, req.exValueEnd, true);
}

function labelRanges(
  req: DecodedWriteRequest,
  from: number,
  to: number,
  text: Buffer,
  nameStart: Int32Array,
  nameEnd: Int32Array,
  valueStart: Int32Array,
  valueEnd: Int32Array,
  allowEmpty: boolean,
): LabelsResult {
  const buf = req.buf;
  const labels: Label[] = [];
  let sorted = true;
  for (let j = from; j < to; j++) {
    const ns = nameStart[j];
    const ne = nameEnd[j];
    const vs = valueStart[j];
    const ve = valueEnd[j];
    if (ns === ne) return { ok: false, reason: `empty label name in ${describe(text, req, from, to)}` };
    if (!isValidUtf8(buf, ns, ne) || !isValidUtf8(buf, vs, ve)) {
      return { ok: false, reason: `label ${j - from} is not valid UTF-8` };
    }
    if (vs === ve) continue;
    const name = text.toString("utf8", ns, ne);
    if (labels.length > 0 && compareUtf8(labels[labels.length - 1].name, name) >= 0) sorted = false;
    labels.push({ name, value: text.toString("utf8", vs, ve) });
  }
  if (!sorted) labels.sort((a, b) => compareUtf8(a.name, b.name));
  for (let k = 1; k < labels.length; k++) {
    if (labels[k].name === labels[k - 1].name) {
      return { ok: false, reason: `label name ${JSON.stringify(labels[k].name)} repeated in ${describe(text, req, from, to)}` };
    }
  }
  if (labels.length === 0 && allowEmpty) return { ok: true, labels };
  if (labels.length === 0 && to > from) return { ok: false, reason: "all label values are empty" };
  if (labels.length === 0) return { ok: false, reason: "series without labels" };
  return { ok: true, labels };
}
