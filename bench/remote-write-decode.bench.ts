// remote_write WriteRequest decoding: the hand-written columnar decoder vs protobufjs over storeapi's
// prompb types, both behind WriteRequestDecoder, on the same bodies. Also the protobufjs encoder.
// Run: node dist/bench/remote-write-decode.bench.js
import { performance } from "node:perf_hooks";
import { prompb } from "../storeapi/index.js";
import { decodeWriteRequest, decodeWriteRequestProtobufjs, encodeWriteRequest, type WriteRequestDecoder, type WriteTimeSeries } from "../stores/index.js";

/** A body like a Prometheus sender's: `series` node-exporter-like series with `perSeries` samples each. */
function makeRequest(series: number, perSeries: number): WriteTimeSeries[] {
  const out: WriteTimeSeries[] = [];
  for (let i = 0; i < series; i++) {
    out.push({
      labels: [
        { name: "__name__", value: `node_cpu_seconds_total` },
        { name: "cpu", value: String(i % 64) },
        { name: "instance", value: `host-${Math.floor(i / 64)}.example.org:9100` },
        { name: "job", value: "node" },
        { name: "mode", value: ["idle", "user", "system", "iowait"][i % 4]! },
      ],
      samples: Array.from({ length: perSeries }, (_, k) => ({ value: i * 13.25 + k * 0.5, timestamp: 1_700_000_000_000 + k * 15_000 })),
    });
  }
  return out;
}

function time(label: string, decode: WriteRequestDecoder, body: Uint8Array, samples: number, minMs: number): number {
  for (let i = 0; i < 20; i++) decode(body);
  let rounds = 0;
  let sink = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    sink += decode(body).sampleCount;
    rounds++;
    elapsed = performance.now() - start;
  }
  const rate = (samples * rounds) / (elapsed / 1000);
  console.log(`${label.padEnd(44)} ${(rate / 1e6).toFixed(2).padStart(7)} M samples/s  ${((elapsed * 1000) / rounds).toFixed(0).padStart(7)} µs/body  (${rounds} bodies)`);
  if (sink === -1) console.log(sink);
  return rate;
}

function main(): void {
  for (const [series, perSeries] of [[2000, 1], [500, 4], [100, 100]] as const) {
    const req = { timeseries: makeRequest(series, perSeries) };
    const body = encodeWriteRequest(req);
    const samples = series * perSeries;
    console.log(`\n${series} series × ${perSeries} samples (${(body.length / 1024).toFixed(0)} KiB uncompressed)`);
    const hand = time("hand-written decodeWriteRequest", decodeWriteRequest, body, samples, 1500);
    const pbjs = time("protobufjs decodeWriteRequestProtobufjs", decodeWriteRequestProtobufjs, body, samples, 1500);
    // protobufjs alone, to objects: the floor of any protobufjs path, whatever it then does with them.
    time("protobufjs WriteRequest.decode (objects only)", (b) => ({ sampleCount: prompb.WriteRequest.decode(b) ? 0 : 0 }) as never, body, samples, 1500);
    console.log(`hand-written / protobufjs: ${(hand / pbjs).toFixed(1)}×`);
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < 1000) {
      n += encodeWriteRequest(req).length > 0 ? 1 : 0;
      elapsed = performance.now() - start;
    }
    console.log(`${"protobufjs encodeWriteRequest".padEnd(44)} ${((samples * n) / (elapsed / 1000) / 1e6).toFixed(2).padStart(7)} M samples/s`);
  }
}

main();
