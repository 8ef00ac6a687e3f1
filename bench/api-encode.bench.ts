// The API's response encoder: float formatting and a large matrix response,
// against the object-tree + JSON.stringify way. Run: node dist/bench/api-encode.bench.js [baseline]
// baseline: another build's dist/api/index.js (e.g. main's); the matrices of bench:compare's
// heaviest answers are then encoded by both builds alternately, bytes checked equal, and served
// whole through each build's HTTP API (a stub engine answers the matrix) to curl, plain and gzip.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Registry } from "prom-client";
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

type Encode = (parts: { value: { type: "matrix"; series: MatrixSeries[] }; warnings: string[]; infos: string[] }) => Iterable<string | Uint8Array>;

/** 3,000 series × 721 steps at 30 s, as bench:compare's gauges and counters: whole bytes, their 10-minute averages, rates. */
function compareShapes(): { name: string; series: MatrixSeries[] }[] {
  const shape = (name: string, value: (x: number, j: number) => number) => {
    const series: MatrixSeries[] = [];
    for (let s = 0; s < 3000; s++) {
      const t = new Float64Array(721);
      const v = new Float64Array(721);
      let x = 1e9 + s * 12_345;
      for (let j = 0; j < 721; j++) {
        t[j] = 1_764_600_000_000 + j * 30_000;
        x += ((j * 7919 + s * 104_729) % 4_000_001) - 2_000_000;
        v[j] = value(x, j);
      }
      series.push({ labels: [{ name: "__name__", value: "bench_memory_usage_bytes" }, { name: "instance", value: `bench-${s >> 4}:9100` }, { name: "pool", value: `p${s & 15}` }], t, v });
    }
    return { name, series };
  };
  return [shape("integers (selector, max/sum_over_time)", (x) => x), shape("x/20 (avg_over_time[10m])", (x) => x / 20), shape("long fractions (rate)", (x, j) => x / (300 + j))];
}

/** Both builds encode each shape alternately, `runs` times; prints medians and the ratio this/baseline. */
async function compareWith(baselinePath: string, runs: number): Promise<void> {
  const base = ((await import(baselinePath)) as { encodeQueryResponse: Encode }).encodeQueryResponse;
  const mine = encodeQueryResponse as unknown as Encode;
  const bytesOf = (encode: Encode, series: MatrixSeries[]): Buffer =>
    Buffer.concat(Array.from(encode({ value: { type: "matrix", series }, warnings: [], infos: [] }), (c) => (typeof c === "string" ? Buffer.from(c) : c)));
  console.log("shape | baseline ms | this build ms | ratio | MB | same bytes");
  for (const { name, series } of compareShapes()) {
    const same = bytesOf(base, series).equals(bytesOf(mine, series));
    const times: [number[], number[]] = [[], []];
    let mb = 0;
    for (let r = 0; r < runs; r++) {
      for (const k of r % 2 === 0 ? [0, 1] : [1, 0]) {
        const t0 = performance.now();
        mb = bytesOf(k === 0 ? base : mine, series).length / 1e6;
        times[k]!.push(performance.now() - t0);
      }
    }
    const [b, m] = times.map((xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1]!) as [number, number];
    console.log(`${name} | ${b.toFixed(0)} | ${m.toFixed(0)} | ${(m / b).toFixed(2)} | ${mb.toFixed(1)} | ${same}`);
  }
}

interface ApiBuild {
  buildApi(deps: object): { listen(o: object): Promise<string>; close(): Promise<void>; server: { address(): unknown } };
}

/** A stub engine whose every range query answers `series`. */
function stubEngine(series: MatrixSeries[]) {
  const query = (q: string) => ({
    query: q,
    exec: async () => ({ value: { type: "matrix", series }, warnings: [], infos: [], stats: { totalSamples: 0, peakSamples: 0, evalTimeMs: 0 } }),
    cancel: () => undefined,
  });
  return { rangeQuery: (_s: unknown, q: string) => query(q), instantQuery: (_s: unknown, q: string) => query(q) };
}

/** curl's total time (ms) and the body's SHA-1 for one GET, decompressing when gzip is asked for. */
function curl(url: string, gzip: boolean): Promise<{ ms: number; sha1: string }> {
  const args = ["-s", ...(gzip ? ["--compressed"] : []), "-w", "%{stderr}%{time_total}", url];
  return new Promise((resolve, reject) => {
    const child = execFile("curl", args, { encoding: "buffer", maxBuffer: 1 << 30 }, (err, out, errOut) => {
      if (err !== null) return reject(err);
      resolve({ ms: Number(errOut.toString()) * 1000, sha1: createHash("sha1").update(out).digest("hex") });
    });
    child.stdin?.end();
  });
}

/** Each shape served by both builds' HTTP APIs to curl, alternately, plain and gzip; medians and ratios. */
async function compareHttp(baselineApi: string, runs: number): Promise<void> {
  const builds = [(await import(baselineApi)) as ApiBuild, (await import("../api/index.js")) as unknown as ApiBuild];
  const storeOf = async (api: string) => new ((await import(api.replace(/index\.js$/, "testkit.js"))) as { LabelsStore: new (l: unknown[]) => object }).LabelsStore([]);
  const stores = [await storeOf(baselineApi), await storeOf(new URL("../api/index.js", import.meta.url).href)];
  console.log("HTTP (curl) shape | gzip | baseline ms | this build ms | ratio | same body");
  for (const { name, series } of compareShapes()) {
    const apps = builds.map((b, k) => b.buildApi({ engine: stubEngine(series), store: stores[k], registry: new Registry() }));
    const urls: string[] = [];
    for (const app of apps) {
      await app.listen({ host: "127.0.0.1", port: 0 });
      const port = (app.server.address() as { port: number }).port;
      urls.push(`http://127.0.0.1:${port}/api/v1/query_range?query=m&start=0&end=21600&step=30`);
    }
    for (const gzip of [false, true]) {
      const times: [number[], number[]] = [[], []];
      const sha: string[] = [];
      for (let r = 0; r < runs; r++) {
        for (const k of r % 2 === 0 ? [0, 1] : [1, 0]) {
          const got = await curl(urls[k]!, gzip);
          times[k]!.push(got.ms);
          sha[k] = got.sha1;
        }
      }
      const [b, m] = times.map((xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1]!) as [number, number];
      console.log(`${name} | ${gzip} | ${b.toFixed(0)} | ${m.toFixed(0)} | ${(m / b).toFixed(2)} | ${sha[0] === sha[1]}`);
    }
    for (const app of apps) await app.close();
  }
}

async function main(): Promise<void> {
  if (process.argv[2] !== undefined) {
    const runs = Number(process.env.API_ENCODE_RUNS ?? "7");
    if (process.env.API_ENCODE_HTTP_ONLY !== "1") await compareWith(process.argv[2], runs);
    return compareHttp(process.argv[2], runs);
  }
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

await main();
