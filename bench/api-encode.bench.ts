// The API's response encoder: float formatting and a large matrix response,
// against the object-tree + JSON.stringify way. Run: node dist/bench/api-encode.bench.js
import { performance } from "node:perf_hooks";
import { encodeQueryResponse, formatFloatF, formatSampleValue } from "../api/index.js";
import type { MatrixSeries } from "../engine/index.js";

function time(label: string, runs: number, fn: () => number): void {
  fn(); // warm-up
  const start = performance.now();
  let units = 0;
  for (let i = 0; i < runs; i++) units += fn();
  const ms = (performance.now() - start) / runs;
  console.log(`${label.padEnd(52)} ${ms.toFixed(2).padStart(9)} ms/run  ${(units / runs).toLocaleString("en")} units/run`);
}

function floats(n: number): Float64Array {
  const out = new Float64Array(n);
  let x = 42;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    // A mix like real data: counters, rates with long fractions, small and huge values.
    out[i] = i % 4 === 0 ? Math.floor(x / 1000) : i % 4 === 1 ? x / 2147483648 : i % 4 === 2 ? (x / 2147483648) * 1e-8 : x * 1e15;
  }
  return out;
}

function matrix(seriesCount: number, points: number): MatrixSeries[] {
  const out: MatrixSeries[] = [];
  for (let s = 0; s < seriesCount; s++) {
    const t = new Float64Array(points);
    for (let j = 0; j < points; j++) t[j] = 1700000000000 + j * 15000;
    out.push({
      labels: [
        { name: "__name__", value: "http_requests_total" },
        { name: "instance", value: `10.0.${s >> 8}.${s & 255}:9100` },
        { name: "job", value: "node" },
        { name: "status", value: String(200 + (s % 5)) },
      ],
      t,
      v: floats(points).map((v) => v / 3),
    });
  }
  return out;
}

function main(): void {
  const values = floats(1_000_000);
  time("formatSampleValue, 1M mixed floats", 5, () => {
    let len = 0;
    for (let i = 0; i < values.length; i++) len += formatSampleValue(values[i]).length;
    return values.length + len * 0;
  });
  time("formatFloatF, 1M mixed floats", 5, () => {
    let len = 0;
    for (let i = 0; i < values.length; i++) len += formatFloatF(values[i]).length;
    return values.length + len * 0;
  });
  time("String(v) baseline, 1M mixed floats", 5, () => {
    let len = 0;
    for (let i = 0; i < values.length; i++) len += String(values[i]).length;
    return values.length + len * 0;
  });

  // rate(x[5m]) over 1,000 series, 6h at 15s: the ARCHITECTURE's slow case.
  const series = matrix(1000, 1440);
  let bytes = 0;
  time("encodeQueryResponse, 1000 series x 1440 points (bytes)", 3, () => {
    bytes = 0;
    for (const chunk of encodeQueryResponse({ value: { type: "matrix", series }, warnings: [], infos: [] })) {
      bytes += Buffer.byteLength(chunk);
    }
    return bytes;
  });
  time("object tree + JSON.stringify, same matrix (bytes)", 3, () => {
    const tree = {
      status: "success",
      data: {
        resultType: "matrix",
        result: series.map((s) => ({
          metric: Object.fromEntries(s.labels.map((l) => [l.name, l.value])),
          values: Array.from(s.t, (t, j) => [t / 1000, formatSampleValue(s.v[j])]),
        })),
      },
    };
    return Buffer.byteLength(JSON.stringify(tree));
  });
}

main();
