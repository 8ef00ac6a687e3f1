// Helpers shared by the shipper's tests (not part of the module's public face).
import { formatLabels, labelsFromRecord, mergeSeriesChunks, type Labels } from "../../../storeapi/index.js";
import { Head } from "../../head/index.js";
import { Block, bytesSource } from "../block/index.js";
import type { ObjectBucket, ObjectContent } from "../objstore/index.js";
import { Shipper, type ShipperOptions } from "./shipper.js";

export const HOUR = 3_600_000;
export const BLOCK = 2 * HOUR;
/** A block-aligned start, so the expected ranges are easy to read. */
export const T0 = 1_700_006_400_000;

export interface Written {
  readonly labels: Labels;
  readonly ts: number[];
  readonly vs: number[];
}

/** Three series sampled every 30 s over [T0, T0 + hours), with distinct values. */
export function testSeries(hours: number): Written[] {
  const out: Written[] = [];
  for (let k = 0; k < 3; k++) {
    const ts: number[] = [];
    const vs: number[] = [];
    for (let t = T0; t < T0 + hours * HOUR; t += 30_000) {
      ts.push(t);
      vs.push(k * 1e6 + (t - T0) / 1000 + 0.25);
    }
    out.push({ labels: labelsFromRecord({ __name__: "shipped", job: "j", k: String(k) }), ts, vs });
  }
  return out;
}

/**
 * A head as `orrery start` opens it for shipping, with `series` appended (remote_write's path,
 * validated) or, with `replay`, committed as the WAL replays them on a restart (not validated).
 */
export async function headWith(shipper: Shipper, series: readonly Written[], replay = false): Promise<Head> {
  const head = new Head({ windowMs: BLOCK, chunkRangeMs: BLOCK, truncationLimit: shipper.truncationLimit, appendFloor: shipper.appendFloor });
  if (replay) {
    const sink = head.replaySink();
    sink.onSeries(series.map((s, i) => ({ ref: i + 1, labels: s.labels })));
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      sink.onSamples(new Float64Array(s.ts.length).fill(i + 1), s.ts, Float64Array.from(s.vs), s.ts.length);
    }
    return head;
  }
  // In time order across series, 10 minutes a batch, as remote_write sends it.
  const n = Math.max(...series.map((s) => s.ts.length));
  for (let from = 0; from < n; from += 20) {
    const batch = series.map((s) => ({ labels: s.labels, t: s.ts.slice(from, from + 20), v: s.vs.slice(from, from + 20) }));
    const r = await head.appendBatch(batch);
    if (r.rejected.length > 0) throw new Error(`test data rejected: ${JSON.stringify(r.rejected)}`);
  }
  return head;
}

export function shipperOptions(dir: string, bucket: ObjectBucket, extra: Partial<ShipperOptions> = {}): ShipperOptions {
  return { dir, bucket, blockDurationMs: BLOCK, source: "receive", externalLabels: labelsFromRecord({ cluster: "c1" }), ...extra };
}

/** Block ULIDs in the bucket (those with a meta.json). */
export async function bucketBlocks(bucket: ObjectBucket): Promise<string[]> {
  const out: string[] = [];
  for await (const dir of bucket.list("")) {
    const ulid = dir.replace(/\/$/, "");
    if (await bucket.exists(`${ulid}/meta.json`)) out.push(ulid);
  }
  return out.sort();
}

/** Every sample the bucket's blocks hold, read back by the block reader: labels → "t v" lines. */
export async function bucketSamples(bucket: ObjectBucket): Promise<{ samples: Map<string, string[]>; metas: Block["meta"][] }> {
  const samples = new Map<string, string[]>();
  const metas: Block["meta"][] = [];
  for (const ulid of await bucketBlocks(bucket)) {
    const chunks = [];
    for await (const name of bucket.list(`${ulid}/chunks`)) chunks.push(bytesSource(await bucket.get(name)));
    const metaJson = new TextDecoder().decode(await bucket.get(`${ulid}/meta.json`));
    const block = await Block.open({ metaJson, index: bytesSource(await bucket.get(`${ulid}/index`)), chunks }, ulid);
    metas.push(block.meta);
    for await (const s of block.select([{ name: "__name__", op: "=~", value: ".+" }], Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)) {
      const m = mergeSeriesChunks({ labels: s.labels, chunks: [...s.chunks] }, block.meta.minTime, block.meta.maxTime - 1);
      const key = formatLabels(s.labels);
      const lines = samples.get(key) ?? [];
      for (let i = 0; i < m.length; i++) lines.push(`${m.ts[i]} ${m.vs[i]}`);
      samples.set(key, lines);
    }
    await block.close();
  }
  return { samples, metas };
}

/** The written samples before `end`, as bucketSamples shows them. */
export function expectedSamples(series: readonly Written[], end: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of series) {
    const lines: string[] = [];
    for (let i = 0; i < s.ts.length; i++) if (s.ts[i]! < end) lines.push(`${s.ts[i]} ${s.vs[i]}`);
    out.set(formatLabels(s.labels), lines);
  }
  return out;
}

/** A bucket that records the order of puts and can be made to fail or wait. */
export class ScriptedBucket implements ObjectBucket {
  readonly puts: string[] = [];
  failing = false;
  /** When set, puts wait for this before going through. */
  gate: Promise<void> | undefined;
  putCalled: () => void = () => undefined;

  constructor(private readonly inner: ObjectBucket) {}

  get name(): string {
    return this.inner.name;
  }
  async put(name: string, content: ObjectContent): Promise<void> {
    this.putCalled();
    if (this.gate !== undefined) await this.gate;
    if (this.failing) throw new Error(`${this.name}: put ${JSON.stringify(name)}: connect ECONNREFUSED (scripted)`);
    this.puts.push(name);
    await this.inner.put(name, content);
  }
  get(name: string): Promise<Uint8Array> {
    return this.inner.get(name);
  }
  getRange(name: string, offset: number, length: number): Promise<Uint8Array> {
    return this.inner.getRange(name, offset, length);
  }
  delete(name: string): Promise<void> {
    return this.inner.delete(name);
  }
  list(dir: string, options?: { recursive?: boolean }): AsyncIterable<string> {
    return this.inner.list(dir, options);
  }
  exists(name: string): Promise<boolean> {
    return this.inner.exists(name);
  }
  attributes(name: string) {
    return this.inner.attributes(name);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
