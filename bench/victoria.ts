// VictoriaMetrics (Debian's `victoria-metrics`) as bench:compare's third contender: started on
// 127.0.0.1 with its results cache off and no latency offset (as Prometheus answers), and fed the
// bench dataset through its Prometheus text import.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { freePort, startServer, type RunningServer } from "../conformance/index.js";

export const VICTORIA_METRICS_BIN = "/usr/bin/victoria-metrics";

/** Bytes of text per import request. */
const IMPORT_BATCH_CHARS = 8 << 20;

export async function startVictoriaMetrics(dataDir: string): Promise<RunningServer> {
  const port = await freePort();
  const args = [
    `-storageDataPath=${dataDir}`,
    `-httpListenAddr=127.0.0.1:${port}`,
    "-retentionPeriod=100y",
    // Prometheus has no results cache and answers up to the query's end: compare engines alike.
    "-search.disableCache",
    "-search.latencyOffset=0s",
    "-loggerLevel=ERROR",
  ];
  return startServer(VICTORIA_METRICS_BIN, args, `http://127.0.0.1:${port}`, "/health", 120_000);
}

/**
 * Imports an OpenMetrics file (float-second timestamps) through /api/v1/import/prometheus, which
 * wants millisecond timestamps, then flushes so every sample is searchable. Returns samples sent.
 */
export async function importOpenMetrics(server: RunningServer, file: string): Promise<number> {
  let batch = "";
  let samples = 0;
  const send = async (): Promise<void> => {
    if (batch === "") return;
    const res = await fetch(`${server.url}/api/v1/import/prometheus`, { method: "POST", body: batch });
    if (res.status !== 204 && res.status !== 200) throw new Error(`victoria-metrics import: HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
    batch = "";
  };
  for await (const line of createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity })) {
    if (line === "" || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    const ms = Math.round(Number(line.slice(cut + 1)) * 1000);
    if (!Number.isFinite(ms)) throw new Error(`victoria-metrics import: no timestamp on line ${JSON.stringify(line.slice(0, 120))}`);
    batch += line.slice(0, cut + 1) + ms + "\n";
    samples++;
    if (batch.length >= IMPORT_BATCH_CHARS) await send();
  }
  await send();
  const flushed = await fetch(`${server.url}/internal/force_flush`);
  if (flushed.status !== 200) throw new Error(`victoria-metrics force_flush: HTTP ${flushed.status}`);
  return samples;
}
