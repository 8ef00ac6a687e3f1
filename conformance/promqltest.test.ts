// The conformance ratchet: every promqltest script against the real engine.
// An eval that fails must be listed in known-failures.txt, and a listed eval
// must still fail, so the list only shrinks and never lies.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Engine } from "../engine/index.js";
import { ChunkEncoding, decodeXorChunk, MemoryStore, xorChunkNumSamples, type Series, type SeriesFrame, type SeriesRequest } from "../storeapi/index.js";
import { NO_SHARED, repoRoot, sharedDir } from "../testing/index.js";
import {
  checkRatchet,
  evalId,
  parseKnownFailures,
  parseScript,
  runPromqlTestFiles,
  summaryLine,
  totals,
} from "./index.js";

function scriptPaths(shared: string): string[] {
  const dir = join(shared, "promqltest");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".test"))
    .sort()
    .map((f) => join(dir, f));
}

test("every shared promqltest script parses", (t) => {
  const shared = sharedDir();
  if (shared === undefined) return t.skip(NO_SHARED);
  for (const path of scriptPaths(shared)) {
    const script = parseScript(readFileSync(path, "utf8"), path);
    assert.ok(script.commands.some((c) => c.type === "eval"), `${path} has evals`);
  }
});

// The timeout catches a query that never settles; a normal run takes seconds.
test("promqltest evals fail exactly as listed in conformance/known-failures.txt", { timeout: 300_000 }, async (t) => {
  const shared = sharedDir();
  if (shared === undefined) return t.skip(NO_SHARED);
  const files = await runPromqlTestFiles(scriptPaths(shared), { engineFactory: () => new Engine({}) });
  const knownText = readFileSync(join(repoRoot(), "conformance", "known-failures.txt"), "utf8");
  const known = parseKnownFailures(knownText);
  const verdict = checkRatchet(files, known);
  t.diagnostic(summaryLine(totals(files)));
  const regenerate = "(after a real fix, regenerate: node dist/cli/main.js conformance promqltest --write-known-failures)";
  assert.deepEqual(
    verdict.newFailures.slice(0, 30).map((r) => `${evalId(r)}: ${r.query} — ${r.message ?? ""}`),
    [],
    `${verdict.newFailures.length} eval(s) fail that known-failures.txt does not list`,
  );
  assert.deepEqual(verdict.stale, [], `listed in known-failures.txt but no longer failing; remove them ${regenerate}`);
});

/**
 * A MemoryStore that answers a newest-only read (SeriesRequest.latestOnly) as the head does: each
 * XOR series as one chunk carrying only its newest sample in range, decoded.
 */
class NewestOnlyStore extends MemoryStore {
  override async *series(request: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesFrame> {
    for await (const frame of super.series(request, signal)) {
      yield request.latestOnly === true ? { ...frame, series: frame.series.map((s) => newestOnly(s, request)) } : frame;
    }
  }
}

function newestOnly(s: Series, request: SeriesRequest): Series {
  let newest: { t: number; v: number; chunk: Series["chunks"][number] } | undefined;
  for (const c of s.chunks) {
    const raw = c.raw;
    if (raw === undefined || raw.encoding !== ChunkEncoding.XOR || raw.startTimestamps !== undefined) return s;
    const n = xorChunkNumSamples(raw.data);
    const t = new Float64Array(n);
    const v = new Float64Array(n);
    const got = decodeXorChunk(raw.data, request.minTime, request.maxTime, t, v, 0);
    if (got > 0 && (newest === undefined || t[got - 1]! > newest.t)) newest = { t: t[got - 1]!, v: v[got - 1]!, chunk: c };
  }
  if (newest === undefined) return s;
  const decoded = { minTime: request.minTime, maxTime: request.maxTime, t: Float64Array.of(newest.t), v: Float64Array.of(newest.v) };
  return { labels: s.labels, chunks: [{ ...newest.chunk, raw: { ...newest.chunk.raw!, decoded } }] };
}

test("promqltest evals fail only as listed when stores answer newest-only reads with the newest sample alone", { timeout: 300_000 }, async (t) => {
  const shared = sharedDir();
  if (shared === undefined) return t.skip(NO_SHARED);
  const files = await runPromqlTestFiles(scriptPaths(shared), { engineFactory: () => new Engine({}), storeFactory: () => new NewestOnlyStore() });
  const known = parseKnownFailures(readFileSync(join(repoRoot(), "conformance", "known-failures.txt"), "utf8"));
  const verdict = checkRatchet(files, known);
  t.diagnostic(summaryLine(totals(files)));
  assert.deepEqual(verdict.newFailures.slice(0, 30).map((r) => `${evalId(r)}: ${r.query} — ${r.message ?? ""}`), []);
});
