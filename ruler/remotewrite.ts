// Stateless mode (`--remote-write.url`): recorded series, ALERTS and ALERTS_FOR_STATE sent as
// remote_write 1.0 (snappy protobuf, through the one WriteRequest encoder) instead of into a head.
// Server errors (5xx, 429) and network failures are retried with backoff; a 4xx is final, as
// Prometheus's queue manager treats it.
import { labelsKey } from "../storeapi/index.js";
import { encodeRemoteWriteBody, type WriteTimeSeries } from "../stores/index.js";
import type { AppendFunc, OutputSample } from "./types.js";

export interface RemoteWriteOptions {
  /** Attempts per request, the first included. */
  attempts?: number;
  /** Wait before the first retry; doubled each time. */
  backoffMs?: number;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** An AppendFunc sending each evaluation's samples as one remote_write request; rejects when every attempt failed. */
export function remoteWriteAppender(url: string, opts: RemoteWriteOptions = {}): AppendFunc {
  const attempts = Math.max(1, opts.attempts ?? 5);
  const backoffMs = opts.backoffMs ?? 100;
  return async (samples: OutputSample[]) => {
    if (samples.length === 0) return;
    const body = encodeRemoteWriteBody({ timeseries: bySeries(samples) });
    let last = "";
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, backoffMs * 2 ** (i - 1)));
      let status: number;
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "Content-Encoding": "snappy", "Content-Type": "application/x-protobuf", "X-Prometheus-Remote-Write-Version": "0.1.0", "User-Agent": "orrery-ruler", ...opts.headers },
          body,
          signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
        });
        status = res.status;
        last = `${url}: HTTP ${res.status}: ${(await res.text()).trim().slice(0, 500)}`;
      } catch (err) {
        last = `${url}: ${(err as Error).message}`;
        continue;
      }
      if (status >= 200 && status < 300) return;
      if (status < 500 && status !== 429) throw new Error(`remote_write refused: ${last}`);
    }
    throw new Error(`remote_write failed after ${attempts} attempts: ${last}`);
  };
}

/** One time series per label set, samples in time order (a stale marker keeps its NaN bits in the encoder's double). */
function bySeries(samples: readonly OutputSample[]): WriteTimeSeries[] {
  const out = new Map<string, { labels: OutputSample["labels"]; samples: { timestamp: number; value: number }[] }>();
  for (const s of samples) {
    const key = labelsKey(s.labels);
    let series = out.get(key);
    if (series === undefined) out.set(key, (series = { labels: s.labels, samples: [] }));
    series.samples.push({ timestamp: s.t, value: s.v });
  }
  for (const series of out.values()) series.samples.sort((a, b) => a.timestamp - b.timestamp);
  return [...out.values()];
}
