// PromQL inputs for fuzzers: generated expressions and mutations of real queries.

/** Pieces of PromQL (and of what is not PromQL) that mutations insert. */
export const fragments = [
  "sum", "by", "without", "(", ")", "{", "}", "[", "]", ",", ":", "@", "offset", "bool", "on", "ignoring",
  "group_left", "group_right", "and", "or", "unless", "+", "-", "*", "/", "%", "^", "==", "!=", "<", "<=",
  ">", ">=", "=", "=~", "!~", "</", ">/", "foo", "bar:baz", "rate", "label_replace", "topk", "count_values",
  "5m", "1h30m", "300", "0x1f", "1e3", ".5", "Inf", "NaN", '"a"', "'b'", "`c`", '"\\x41"', '"\\u00e9"',
  "start()", "end()", "step()", "range()", "min_of", "max_of", "anchored", "smoothed", "fill", "fill_left",
  "fill_right", "#", "\n", " ", "\t", "__name__", '"my.metric"', "é", "\u{1F600}", "\ud800", "\\", "!", "$",
];

/** Queries that touch most of the grammar: seeds when ../shared is absent. */
export const sampleQueries = [
  'sum by (job) (rate(http_requests_total{job=~"api.*", code!="500"}[5m])) / on(job) group_left sum(up)',
  "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m] offset 1h @ 100)))",
  "max_over_time((time() - max(demo) < 1000)[5m:10s] offset 5m)",
  "-2 ^ -3 * - sum(x) without (a) ^ 2 > bool 1 or vector(1) unless on() y",
  "count_over_time(metric[max_of(min_of(step()+1,1h),1ms)]) + left + fill_left(1) fill_right(2) right",
  'info(metric @ start(), {__name__=~".+_info", data=~".+"}) and x[1m] anchored',
  'label_join(x, "a", "-", "b") </ 2 >/ 1 # comment',
];

/** A random expression up to `depth` levels deep; mostly valid, sometimes not. */
export function generateQuery(r: () => number, depth: number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  if (depth <= 0 || r() < 0.3) {
    return pick(["foo", 'bar{a="b"}', "1", "-2.5", '"s"', "x[5m]", "y offset 1m", "z @ 100", "Inf", '{"u.v", w!~"q"}', "1h"]);
  }
  const sub = (): string => generateQuery(r, depth - 1);
  switch (Math.floor(r() * 9)) {
    case 0:
      return `${sub()} ${pick(["+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", "and", "or", "unless", "atan2"])} ${pick(["", "bool ", "on(a) ", "ignoring(b) group_left(c) ", "fill(0) "])}${sub()}`;
    case 1:
      return `${pick(["-", "+"])}${sub()}`;
    case 2:
      return `(${sub()})`;
    case 3:
      return `${pick(["sum", "avg", "topk(3,", "quantile(0.5,", "count_values(\"v\","])}${pick(["", " by (a)", " without (b)"])}(${sub()})`.replace(/\(\(/, "(").replace(/,\(/, ", ");
    case 4:
      return `${pick(["rate", "abs", "vector", "scalar", "sort", "label_replace", "round", "time"])}(${sub()})`;
    case 5:
      return `${sub()}[${pick(["5m", "1h:1m", "30s:", "5m+1m", "step()"])}]`;
    case 6:
      return `${sub()} offset ${pick(["5m", "-1h", "(1m*2)", "step()"])}`;
    case 7:
      return `${sub()} @ ${pick(["1", "-1.5", "start()", "end()"])}`;
    default:
      return `${sub()} ${pick(["anchored", "smoothed"])}`;
  }
}

/** `s` with 1–4 random edits: deletions, inserted fragments, duplicated characters, cuts, swaps. */
export function mutateQuery(r: () => number, s: string): string {
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(r() * (s.length + 1));
    switch (Math.floor(r() * 5)) {
      case 0:
        s = s.slice(0, i) + s.slice(i + 1 + Math.floor(r() * 3));
        break;
      case 1:
        s = s.slice(0, i) + fragments[Math.floor(r() * fragments.length)]! + s.slice(i);
        break;
      case 2:
        s = s.slice(0, i) + s[Math.floor(r() * s.length)]! + s.slice(i);
        break;
      case 3:
        s = s.slice(0, i);
        break;
      default: {
        const j = Math.floor(r() * s.length);
        s = s.slice(0, Math.min(i, j)) + s.slice(Math.max(i, j)) + s.slice(Math.min(i, j), Math.max(i, j));
      }
    }
  }
  return s;
}
