// The dashboard's viewer for bench/frontend.bench.ts, in a child process of its own,
// so receiving and reading 20 answers of ~435 KiB does not count in the frontend's
// latency (nor in Prometheus's: both are asked from here alike). Told over IPC which
// panels to ask of which URL, it answers with each request's milliseconds.

/** One round: every query asked of url at once (as Grafana sends a dashboard's panels), or one after another. */
export interface ClientRound {
  url: string;
  queries: string[];
  /** The range's end; the range is the 24h before it. */
  nowMs: number;
  stepS: number;
  inFlight: "all" | "one";
}

export type ClientAnswer = { ok: true; ms: number[] } | { ok: false; error: string };

const HOUR = 3600_000;

async function panelRequest(round: ClientRound, query: string): Promise<number> {
  const start = round.nowMs - 24 * HOUR;
  const t0 = performance.now();
  const res = await fetch(`${round.url}/api/v1/query_range?query=${encodeURIComponent(query)}&start=${start / 1000}&end=${round.nowMs / 1000}&step=${round.stepS}`);
  const body = await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${Buffer.from(body).toString("utf8", 0, 300)}`);
  return ms;
}

async function run(round: ClientRound): Promise<number[]> {
  if (round.inFlight === "all") return Promise.all(round.queries.map((q) => panelRequest(round, q)));
  const ms: number[] = [];
  for (const q of round.queries) ms.push(await panelRequest(round, q));
  return ms;
}

process.on("message", (round: ClientRound) => {
  run(round).then(
    (ms) => process.send!({ ok: true, ms } satisfies ClientAnswer),
    (err: unknown) => process.send!({ ok: false, error: (err as Error).message } satisfies ClientAnswer),
  );
});
