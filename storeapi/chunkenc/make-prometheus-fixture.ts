// Regenerates prometheus-fixture.ts: writes awkward samples as OpenMetrics, has promtool (Prometheus 2.42)
// build a block, and records the XOR chunks exactly as Prometheus wrote them plus promtool's dump of the
// samples. Run by hand: node dist/storeapi/chunkenc/make-prometheus-fixture.js (needs /usr/bin/promtool).
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../testing/index.js";

function openMetrics(): string {
  let seed = 42;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const base = 1700000000000 - (1700000000000 % 7200000) + 1000; // inside one 2h block
  const lines = ["# TYPE m gauge"];
  const specials = [0, -0, 1, NaN, Infinity, -Infinity, 1e-300, 1.7e308, 5e-324, 0.1];
  for (let s = 0; s < 6; s++) {
    let t = base + s * 7;
    let v = rnd() * 1000;
    const n = 40 + Math.floor(rnd() * 260);
    for (let i = 0; i < n; i++) {
      const r = rnd();
      if (s === 0) v = v + Math.floor(rnd() * 10);
      else if (s === 1) v = r < 0.3 ? v : rnd() * 1e6 - 5e5;
      else if (s === 2) v = specials[Math.floor(rnd() * 10)]!;
      else if (s === 3) v = Math.round(rnd() * 100) / 100;
      else if (s === 4) v = 42;
      else v = (rnd() - 0.5) * Math.pow(10, Math.floor(rnd() * 40) - 20);
      const vs = Number.isNaN(v) ? "NaN" : v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : Object.is(v, -0) ? "-0" : String(v);
      lines.push(`m{s="${s}"} ${vs} ${(t / 1000).toFixed(3)}`);
      const j = rnd();
      t += j < 0.008 ? 1800000 + Math.floor(rnd() * 1000) : j < 0.02 ? 200000 + Math.floor(rnd() * 100000) : j < 0.2 ? 15000 + Math.floor(rnd() * 4000) - 2000 : j < 0.3 ? 1 : 15000;
      if (t > base + 7200000 - 2000) break;
    }
  }
  return lines.join("\n") + "\n# EOF\n";
}

function chunksOf(file: Buffer): string[] {
  const chunks: string[] = [];
  let p = 8; // magic, version, padding
  while (p < file.length) {
    let len = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = file[p++]!;
      len += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    if (file[p++] !== 1) throw new Error("not an XOR chunk");
    chunks.push(file.subarray(p, p + len).toString("hex"));
    p += len + 4; // data, CRC32
  }
  return chunks;
}

const dir = mkdtempSync(join(tmpdir(), "orrery-xor-fixture-"));
try {
  writeFileSync(join(dir, "in.om"), openMetrics());
  execFileSync("promtool", ["tsdb", "create-blocks-from", "openmetrics", join(dir, "in.om"), join(dir, "out")]);
  mkdirSync(join(dir, "out", "wal"));
  const dump = execFileSync("promtool", ["tsdb", "dump", join(dir, "out")], { maxBuffer: 1 << 26 }).toString();
  const block = readdirSync(join(dir, "out")).find((d) => d.startsWith("01"))!;
  const chunks = chunksOf(readFileSync(join(dir, "out", block, "chunks", "000001")));
  const samples = dump.trim().split("\n").map((l) => {
    const m = /^\S+ \S+ (\S+) (\d+)$/.exec(l)!;
    return `${m[2]} ${m[1]}`;
  });
  const out =
    "// Generated from promtool 2.42 (tsdb create-blocks-from openmetrics, then tsdb dump): chunk bytes exactly as\n" +
    "// Prometheus wrote them, and its dump of the samples (\"t value\", Go %g formatting). Do not edit by hand;\n" +
    "// regenerate with make-prometheus-fixture.ts.\n" +
    `export const PROMETHEUS_XOR_CHUNKS: readonly string[] = [\n${chunks.map((c) => `  "${c}",\n`).join("")}];\n\n` +
    `export const PROMETHEUS_DUMP_SAMPLES: readonly string[] = ${JSON.stringify(samples)};\n`;
  writeFileSync(join(repoRoot(), "storeapi", "chunkenc", "prometheus-fixture.ts"), out);
  console.log(`${chunks.length} chunks, ${samples.length} samples`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
