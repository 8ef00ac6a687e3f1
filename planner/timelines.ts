// Which time span each node is evaluated over: shared by the planner's passes and the engine.

export interface Span {
  start: number;
  end: number;
  step: number;
}

/**
 * The steps of a subquery's inner expression for an outer span: from the first multiple of the
 * subquery step after (start − offset − range) to end − offset; `@` pins both ends.
 */
export function subquerySpan(outer: Span, rangeMs: number, stepMs: number, offsetMs: number, atMs?: number): Span {
  const s = atMs ?? outer.start;
  const e = atMs ?? outer.end;
  const from = s - offsetMs - rangeMs;
  let start = stepMs * Math.trunc(from / stepMs);
  if (start <= from) start += stepMs;
  return { start, end: e - offsetMs, step: stepMs };
}

/** The inclusive [minTime, maxTime] of samples a selector needs for a span. */
export function selectorDataRange(
  span: Span,
  lookOrRangeMs: number,
  offsetMs: number,
  atMs: number | undefined,
  extendLeftMs: number,
  extendRightMs: number,
): { minTime: number; maxTime: number } {
  const refStart = (atMs ?? span.start) - offsetMs;
  const refEnd = (atMs ?? span.end) - offsetMs;
  return { minTime: refStart - lookOrRangeMs + 1 - extendLeftMs, maxTime: refEnd + extendRightMs };
}
