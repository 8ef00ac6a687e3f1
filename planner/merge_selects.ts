// Pass: selectors with the same matchers share one fetch over the union of their time ranges,
// so `x / x offset 1h` or `rate(x[5m]) / x` reads each series' chunks once.
import type { PlanContext, PlanNode, SelectorNode } from "./plan.js";
import { children } from "./plan.js";
import { selectorDataRange, subquerySpan, type Span } from "./timelines.js";
import { statsReadExtension } from "./histogram_stats.js";

/** A selector's read: its data range, and whether it reads only the newest sample in it (an instant vector selector at one time). */
interface Read {
  sel: SelectorNode;
  minTime: number;
  maxTime: number;
  newestOnly: boolean;
}

export function mergeSelects(root: PlanNode, ctx: PlanContext): PlanNode {
  const found: Read[] = [];
  collect(root, { start: ctx.startMs, end: ctx.endMs, step: ctx.stepMs || 1 }, ctx, found);
  const keys = found.map((f) => matchersKey(f.sel));
  // Each fetch's union range; newest-only while every read of it is, over one and the same range.
  const union = new Map<string, { minTime: number; maxTime: number; latest: boolean }>();
  found.forEach((f, i) => {
    const u = union.get(keys[i]!);
    if (u === undefined) return void union.set(keys[i]!, { minTime: f.minTime, maxTime: f.maxTime, latest: f.newestOnly });
    u.latest &&= f.newestOnly && u.minTime === f.minTime && u.maxTime === f.maxTime;
    u.minTime = Math.min(u.minTime, f.minTime);
    u.maxTime = Math.max(u.maxTime, f.maxTime);
  });
  found.forEach((f, i) => {
    const key = keys[i]!;
    const { minTime, maxTime, latest } = union.get(key)!;
    f.sel.fetch = latest ? { key, minTime, maxTime, latest } : { key, minTime, maxTime };
  });
  return root;
}

export function matchersKey(sel: SelectorNode): string {
  // Reads of different aggregates of one selector are different fetches.
  const read = sel.read === undefined ? "" : sel.read + "\xfe";
  return read + sel.matchers
    .map((m) => JSON.stringify([m.name, m.op, m.value]))
    .sort()
    .join(",");
}

function collect(n: PlanNode, span: Span, ctx: PlanContext, out: Read[]): void {
  switch (n.type) {
    case "VectorSelector": {
      const ext = n.smoothed ? ctx.lookbackDeltaMs : 0;
      const statsExtension = statsReadExtension(n);
      const r = selectorDataRange(span, ctx.lookbackDeltaMs, n.offsetMs, n.atMs, statsExtension, ext);
      // Evaluated at one time (one step, or pinned by @), a plain vector selector takes each series' newest sample in range.
      const oneTime = span.start === span.end || n.atMs !== undefined;
      out.push({ sel: n, ...r, newestOnly: oneTime && !n.smoothed && statsExtension === 0 && n.read === undefined });
      return;
    }
    case "MatrixSelector": {
      const s = n.selector;
      const left = s.anchored || s.smoothed ? ctx.lookbackDeltaMs : statsReadExtension(s);
      const right = s.smoothed ? ctx.lookbackDeltaMs : 0;
      const r = selectorDataRange(span, n.rangeMs, s.offsetMs, s.atMs, left, right);
      out.push({ sel: s, ...r, newestOnly: false });
      return;
    }
    case "Subquery":
      collect(n.expr, subquerySpan(span, n.rangeMs, n.stepMs, n.offsetMs, n.atMs), ctx, out);
      return;
    case "StepInvariant":
      collect(n.expr, { start: span.start, end: span.start, step: span.step }, ctx, out);
      return;
    default:
      for (const c of children(n)) collect(c, span, ctx, out);
  }
}
