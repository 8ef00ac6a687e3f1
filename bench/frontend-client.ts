// The dashboard's viewer for bench/frontend.bench.ts, in a child process of its own,
// so receiving and reading 20 answers of ~435 KiB does not count in the frontend's
// latency (nor in Prometheus's: both are asked from here alike). Told over IPC which
// panels to ask of which URL, it answers with each request's milliseconds.
import { Agent, get } from "node:http";

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

/**
 * One panel's request on the kept-alive connections of `agent` (node:http: reading costs the shared
 * machine less than fetch's), timed to its answer's last byte; the answer is counted, not decoded.
 */
function panelRequest(agent: Agent, round: ClientRound, query: string): Promise<number> {
  const start = round.nowMs - 24 * HOUR;
  const url = `${round.url}/api/v1/query_range?query=${encodeURIComponent(query)}&start=${start / 1000}&end=${round.nowMs / 1000}&step=${round.stepS}`;
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = get(url, { agent, headers: { "accept-encoding": "gzip" } }, (res) => {
      const head: Buffer[] = [];
      res.on("data", (chunk: Buffer) => {
        if (res.statusCode !== 200 && head.length < 4) head.push(chunk);
      });
      res.on("error", reject);
      res.on("end", () => {
        const ms = performance.now() - t0;
        if (res.statusCode === 200) return resolve(ms);
        reject(new Error(`${query}: ${res.statusCode} ${res.headers["content-encoding"] === undefined ? Buffer.concat(head).toString("utf8", 0, 300) : "(compressed body)"}`));
      });
    });
    req.on("error", reject);
  });
}

async function run(agent: Agent, round: ClientRound): Promise<number[]> {
  if (round.inFlight === "all") return Promise.all(round.queries.map((q) => panelRequest(agent, round, q)));
  const ms: number[] = [];
  for (const q of round.queries) ms.push(await panelRequest(agent, round, q));
  return ms;
}

const keptAlive = new Agent({ keepAlive: true });
process.on("message", (round: ClientRound) => {
  run(keptAlive, round).then(
    (ms) => process.send!({ ok: true, ms } satisfies ClientAnswer),
    (err: unknown) => process.send!({ ok: false, error: (err as Error).message } satisfies ClientAnswer),
  );
});
