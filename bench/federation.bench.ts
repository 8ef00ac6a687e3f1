// Proxy store throughput: k-way merge of several stores and replica dedup. Run: node dist/bench/federation.bench.js
import { performance } from "node:perf_hooks";
import { MemoryStore, labelsFromRecord } from "../storeapi/index.js";
import type { SeriesRequest } from "../storeapi/index.js";
import { ProxyStore, type StoreRef } from "../federation/index.js";

const SERIES = 5000;
const SAMPLES = 720; // 3 h at 15 s
const STORES = 4;

async function fleet(replicated: boolean): Promise<StoreRef[]> {
  const refs: StoreRef[] = [];
  for (let s = 0; s < STORES; s++) {
    const replica = replicated ? `r${s % 2}` : `s${s}`;
    const store = new MemoryStore({ externalLabels: labelsFromRecord({ replica }) });
    const ts = new Float64Array(SAMPLES);
    const vs = new Float64Array(SAMPLES);
    for (let i = 0; i < SERIES; i++) {
      // Replicated: stores 0/1 and 2/3 hold the same series set (two HA pairs over two shards).
      const id = replicated ? i * 2 + (s >> 1) : i * STORES + s;
      for (let k = 0; k < SAMPLES; k++) {
        ts[k] = k * 15_000 + (s % 2) * 7_000 + ((k * 7919 + s) % 200);
        vs[k] = k * 10 + (id % 13);
      }
      store.add(labelsFromRecord({ __name__: "m", id: String(id).padStart(6, "0"), replica }), ts, vs);
    }
    refs.push({ name: `store-${s}`, store, info: await store.info() });
  }
  return refs;
}

async function run(label: string, proxy: ProxyStore, request: SeriesRequest & { replicaLabels?: string[] }): Promise<void> {
  let series = 0;
  const began = performance.now();
  for await (const f of proxy.series(request)) series += f.series.length;
  const ms = performance.now() - began;
  console.log(`${label.padEnd(54)} ${series} series in ${ms.toFixed(0)} ms (${((series / ms) * 1000).toFixed(0)} series/s)`);
}

const request: SeriesRequest = { minTime: 0, maxTime: 1e12, matchers: [{ name: "__name__", op: "=", value: "m" }] };
const plain = new ProxyStore({ stores: await fleet(false) });
await run(`merge ${STORES} stores × ${SERIES} series (chunks passed through)`, plain, request);
await run(`merge ${STORES} stores × ${SERIES} series (chunks passed through)`, plain, request);
const ha = new ProxyStore({ stores: await fleet(true) });
await run(`dedup 2 HA pairs × ${SERIES} series × ${SAMPLES} samples, gauge`, ha, { ...request, replicaLabels: ["replica"] });
await run(`dedup 2 HA pairs × ${SERIES} series × ${SAMPLES} samples, counter`, ha, {
  ...request,
  replicaLabels: ["replica"],
  queryHints: { func: "rate" },
});
await run(`dedup again (store chunks cached), counter`, ha, { ...request, replicaLabels: ["replica"], queryHints: { func: "rate" } });
