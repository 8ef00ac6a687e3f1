// Turns a decoded series' label byte ranges into a validated, sorted label set.
import { compareUtf8, type Label, type Labels } from "../../../storeapi/index.js";
import type { DecodedWriteRequest } from "./decode.js";
import type { LabelInterner, StringInterner } from "./intern.js";

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

/** A label set, or (a string) why it is invalid. */
export type LabelsResult = Labels | string;

/** Set by seriesLabels (with a LabelInterner): whether the set is the request's bytes exactly, in order (sorted, no empty value, ASCII). */
export interface LabelsExactness {
  value: boolean;
}

/** Compares buf[as, ae) with buf[bs, be) as bytes (UTF-8 order). */
function compareBytes(buf: Uint8Array, as: number, ae: number, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let k = 0; k < n; k++) {
    const d = buf[as + k] - buf[bs + k];
    if (d !== 0) return d;
  }
  return ae - as - (be - bs);
}

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
export function seriesLabels(req: DecodedWriteRequest, i: number, text: Buffer, strings?: StringInterner, pairs?: LabelInterner, exact?: LabelsExactness): LabelsResult {
  return labelRanges(req, req.labelStart[i], req.labelStart[i + 1], text, req.nameStart, req.nameEnd, req.valueStart, req.valueEnd, false, strings, pairs, exact);
}

/** Labels of exemplar j (same rules, but an empty set is allowed). */
export function exemplarLabels(req: DecodedWriteRequest, j: number, text: Buffer, strings?: StringInterner): LabelsResult {
  const from = req.exLabelStart[j];
  const to = req.exLabelStart[j + 1];
  return labelRanges(req, from, to, text, req.exNameStart, req.exNameEnd, req.exValueStart, req.exValueEnd, true, strings);
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
  strings?: StringInterner,
  pairs?: LabelInterner,
  exact?: LabelsExactness,
): LabelsResult {
  const buf = req.buf;
  // Sized up front (then cut to what is kept): grown by push from empty it would take room for 17.
  const labels: Label[] = new Array<Label>(to - from);
  let kept = 0;
  let sorted = true;
  let ascii = pairs !== undefined;
  let prevStart = -1;
  let prevEnd = -1;
  for (let j = from; j < to; j++) {
    const ns = nameStart[j];
    const ne = nameEnd[j];
    const vs = valueStart[j];
    const ve = valueEnd[j];
    if (ns === ne) return `empty label name in ${describe(text, req, from, to)}`;
    if (vs === ve) {
      if (!isValidUtf8(buf, ns, ne)) return `label name ${j - from} is not valid UTF-8`;
      continue;
    }
    const label = pairs !== undefined ? pairs.get(buf, ns, ne, vs, ve, text) : decodeLabel(buf, ns, ne, vs, ve, text, strings);
    if (label === undefined) return `label ${j - from} is not valid UTF-8`;
    if (pairs !== undefined && !pairs.lastAscii) ascii = false;
    if (prevStart >= 0) {
      const c = compareBytes(buf, prevStart, prevEnd, ns, ne);
      if (c === 0) return `label name ${JSON.stringify(label.name)} repeated in ${describe(text, req, from, to)}`;
      if (c > 0) sorted = false;
    }
    prevStart = ns;
    prevEnd = ne;
    labels[kept++] = label;
  }
  // Set only when labels were dropped: the setter is a runtime call even when nothing changes.
  if (kept !== labels.length) labels.length = kept;
  if (exact !== undefined) exact.value = ascii && sorted && kept === to - from;
  if (!sorted) {
    labels.sort((a, b) => compareUtf8(a.name, b.name));
    for (let k = 1; k < labels.length; k++) {
      if (labels[k].name === labels[k - 1].name) {
        return `label name ${JSON.stringify(labels[k].name)} repeated in ${describe(text, req, from, to)}`;
      }
    }
  }
  if (labels.length > 0 || allowEmpty) return labels;
  return to > from ? "all label values are empty" : "series without labels";
}

/** The label of name buf[ns, ne) and value buf[vs, ve), strings interned when a table is given; undefined when either is not UTF-8. */
export function decodeLabel(buf: Uint8Array, ns: number, ne: number, vs: number, ve: number, text: Buffer, strings?: StringInterner): Label | undefined {
  const name = decodeText(buf, ns, ne, text, strings);
  const value = decodeText(buf, vs, ve, text, strings);
  return name === undefined || value === undefined ? undefined : { name, value };
}

/** The UTF-8 text of buf[start, end), interned when a table is given; undefined when not UTF-8. */
function decodeText(buf: Uint8Array, start: number, end: number, text: Buffer, strings?: StringInterner): string | undefined {
  if (strings) return strings.get(buf, start, end, text);
  return isValidUtf8(buf, start, end) ? text.toString("utf8", start, end) : undefined;
}
