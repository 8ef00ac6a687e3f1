// Head store benchmark (run by hand):
//   node --expose-gc dist/bench/head.bench.js [series=100000] [samplesPerSeries=240]
// Prints append throughput into the head alone (no WAL), bytes per sample (chunk
// bytes, and whole heap) against the Gorilla paper's 1.37 bytes/sample, bytes per
// series, and selector latencies at that many series.
import { Head } from "../stores/index.js";
import type { Label, Labels, Matcher } from "../storeapi/index.js";
import { rng } from "../testing/index.js";

const SERIES = Number(process.argv[2] ?? 100_000);
const SAMPLES = Number(process.argv[3] ?? 240);
const BATCH_SERIES = 1000;
const INTERVAL = 15_000;

/** Label sets shaped like a Kubernetes fleet: 200 metric names × 500 instances, a few jobs and zones. */
function makeLabels(i: number): Labels {
  const metric = i % 200;
  const instance = Math.floor(i / 200);
  const out: Label[] = [
    { name: "__name__", value: `metric_${metric}_${metric % 3 === 0 ? "total" : "bytes"}` },
    { name: "instance", value: `10.0.${instance >> 8}.${instance & 255}:9100` },
    { name: "job", value: `job-${instance % 10}` },
    { name: "zone", value: `zone-${instance % 3}` },
  ];
  return out;
}

/** JS heap plus ArrayBuffer backing stores (chunk bytes live outside the JS heap). */
function heapMB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const KINDS = [
  "counter (+1..20 on half the scrapes)",
  "gauge (integer, ±4096·k on 30% of scrapes)",
  "constant (up, info metrics)",
  "gauge (random-walk float, 2 decimals)",
] as const;

function nextValue(kind: number, prev: number, rand: () => number): number {
  switch (kind) {
    case 0:
      return rand() < 0.5 ? prev : prev + 1 + Math.floor(rand() * 20);
    case 1:
      return rand() < 0.3 ? Math.max(0, prev + 4096 * Math.floor((rand() - 0.5) * 10)) : prev;
    case 2:
      return 1;
    default:
      return Math.round((prev + (rand() - 0.5) * 1000) * 100) / 100;
  }
}

/** The value model of a series, from its index in the metric name (series i has metric i % 200, kind i % 4). */
function kindOf(labels: Labels): number {
  const m = /^metric_(\d+)_/.exec(labels[0]!.value);
  return Number(m![1]) % KINDS.length;
}

async function main(): Promise<void> {
  const rand = rng(1);
  if (typeof (globalThis as { gc?: unknown }).gc !== "function") console.log("(run with --expose-gc for heap figures)");
  // Per-series value models (see KINDS).
  const kind = new Uint8Array(SERIES).map((_, i) => i % KINDS.length);
  const values = new Float64Array(SERIES);
  const offsets = Float64Array.from({ length: SERIES }, () => Math.floor(rand() * INTERVAL));
  const base = 1_700_000_000_000;
  const head = new Head({ windowMs: 1e15 });

  const batches: { labels: Labels; t: Float64Array; v: Float64Array }[][] = [];
  for (let from = 0; from < SERIES; from += BATCH_SERIES) {
    const b = [];
    for (let i = from; i < Math.min(SERIES, from + BATCH_SERIES); i++) b.push({ labels: [] as Labels, t: new Float64Array(1), v: new Float64Array(1) });
    batches.push(b);
  }
  const heap0 = heapMB();
  // Label sets made after heap0, as a receiver decodes them: the head's share of them is measured too.
  batches.forEach((batch, b) => batch.forEach((entry, k) => (entry.labels = makeLabels(b * BATCH_SERIES + k))));

  let appended = 0;
  let appendMs = 0;
  const cpu0 = process.cpuUsage();
  let firstRoundMs = 0;
  let heapAfterFirst = 0;
  const started = performance.now();
  for (let round = 0; round < SAMPLES; round++) {
    const roundStart = performance.now();
    let idx = 0;
    for (const batch of batches) {
      for (const entry of batch) {
        // Scrape jitter of a few ms on 5% of the samples (Gorilla: 96% of timestamps have a delta-of-delta of 0).
        const jitter = rand() < 0.05 ? Math.floor(rand() * 5) : 0;
        entry.t[0] = base + offsets[idx]! + round * INTERVAL + jitter;
        values[idx] = nextValue(kind[idx]!, values[idx]!, rand);
        entry.v[0] = values[idx]!;
        idx++;
      }
      const t0 = performance.now();
      const r = await head.appendBatch(batch);
      appendMs += performance.now() - t0;
      appended += r.accepted;
    }
    if (round === 0) firstRoundMs = performance.now() - roundStart;
    // Measured after the second round: the first leaves garbage a full GC does not yet release.
    if (round === 1) heapAfterFirst = heapMB();
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  const elapsed = appendMs / 1000;
  const wall = (performance.now() - started) / 1000;
  // The bench's own references to the label sets it sent go, so only what the head keeps is counted.
  for (const batch of batches) for (const entry of batch) entry.labels = [];
  const heapEnd = heapMB();
  // Still used after heapEnd, so the collections there keep the batches (counted in heap0) alive.
  if (batches.length !== Math.ceil(SERIES / BATCH_SERIES)) throw new Error("batches lost");

  let chunkBytes = 0;
  let chunks = 0;
  let samples = 0;
  const kindBytes = new Float64Array(KINDS.length);
  const kindSamples = new Float64Array(KINDS.length);
  for await (const frame of head.series({ minTime: -Infinity, maxTime: Infinity, matchers: [] })) {
    for (const s of frame.series) {
      const k = kindOf(s.labels);
      for (const c of s.chunks) {
        const n = (c.raw!.data[0]! << 8) | c.raw!.data[1]!;
        chunkBytes += c.raw!.data.length;
        samples += n;
        kindBytes[k] += c.raw!.data.length;
        kindSamples[k] += n;
        chunks++;
      }
    }
  }

  console.log(`head: ${SERIES} series × ${SAMPLES} samples, batches of ${BATCH_SERIES} series × 1 sample, no WAL`);
  console.log(`append: ${appended} samples in ${elapsed.toFixed(2)} s in appendBatch (${wall.toFixed(2)} s with data generation) = ${(appended / elapsed / 1e6).toFixed(2)} M samples/s`);
  console.log(
    `  process CPU over the append loop (incl. data generation and GC threads): ${cpuSecs.toFixed(2)} s = ` +
      `${(appended / cpuSecs / 1e6).toFixed(2)} M samples per CPU-second (wall figures suffer when the machine is loaded)`,
  );
  console.log(`  first round (creates the ${SERIES} series): ${firstRoundMs.toFixed(0)} ms`);
  console.log(`chunks: ${chunks}, ${samples} samples, ${chunkBytes} bytes`);
  console.log(`bytes/sample (chunk bytes incl. 2-byte headers): ${(chunkBytes / samples).toFixed(3)}  (Gorilla paper: 1.37)`);
  KINDS.forEach((name, k) => console.log(`  ${name.padEnd(44)} ${(kindBytes[k]! / kindSamples[k]!).toFixed(3)} bytes/sample`));
  if (typeof (globalThis as { gc?: unknown }).gc === "function") {
    console.log(`bytes/series after each series' first two samples (one open chunk each): ${((heapAfterFirst - heap0) / SERIES).toFixed(0)}`);
    console.log(
      `whole head at the end (JS heap + ArrayBuffers growth): ${((heapEnd - heap0) / 1e6).toFixed(1)} MB = ` +
        `${((heapEnd - heap0) / samples).toFixed(3)} bytes/sample, ${((heapEnd - heap0) / SERIES).toFixed(0)} bytes/series; ` +
        `the head's own estimate: ${(head.memoryBytes() / 1e6).toFixed(1)} MB`,
    );
  }

  const selectors: [string, Matcher[]][] = [
    ['job="job-3"', [{ name: "job", op: "=", value: "job-3" }]],
    ['__name__="metric_7_bytes",job="job-3"', [{ name: "__name__", op: "=", value: "metric_7_bytes" }, { name: "job", op: "=", value: "job-3" }]],
    ['__name__=~"metric_1_bytes|metric_2_bytes|metric_3_total"', [{ name: "__name__", op: "=~", value: "metric_1_bytes|metric_2_bytes|metric_3_total" }]],
    ['__name__=~"metric_1.*"', [{ name: "__name__", op: "=~", value: "metric_1.*" }]],
    ['__name__="metric_7_bytes",instance=~"10.0.1.*"', [{ name: "__name__", op: "=", value: "metric_7_bytes" }, { name: "instance", op: "=~", value: "10\\.0\\.1\\..*" }]],
    ['job!="job-3",zone=~"zone-1|zone-2"', [{ name: "job", op: "!=", value: "job-3" }, { name: "zone", op: "=~", value: "zone-1|zone-2" }]],
  ];
  for (const [text, matchers] of selectors) {
    const reps = 20;
    let n = 0;
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) {
      n = 0;
      for await (const frame of head.series({ minTime: -Infinity, maxTime: Infinity, matchers, skipChunks: true })) n += frame.series.length;
    }
    console.log(`select {${text}}: ${n} series in ${((performance.now() - t0) / reps).toFixed(2)} ms (labels only, sorted)`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
