// The block-parallel gzip: one standard gzip member whatever the block size and chunking.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { gunzipSync, gzipSync } from "node:zlib";
import { gzipAnswer, gzipBlocks } from "./gzip_blocks.js";

async function gzipOf(chunks: (string | Buffer)[], blockBytes: number, inFlight: number): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of gzipBlocks(chunks, blockBytes, inFlight)) out.push(b);
  return Buffer.concat(out);
}

test("blocks compressed apart make one gzip member that gunzip reads back (CRC and length checked)", async () => {
  let seed = 3;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const text = (n: number): string => Array.from({ length: n }, () => (rand() < 0.05 ? "ü€" : '[1764600000,"' + Math.floor(rand() * 1e6) + '"],')).join("");
  const cases: [(string | Buffer)[], number, number][] = [
    [[], 1024, 2],
    [[""], 1024, 2],
    [["x"], 1, 1],
    [[text(10)], 1, 4],
    [[text(2000), Buffer.from(text(3000)), text(1)], 4096, 2],
    [Array.from({ length: 50 }, () => Buffer.from(text(500))), 64 * 1024, 3],
    [[Buffer.alloc(3 * 65536, 0x61)], 65536, 2], // a multiple of the block size, highly compressible
  ];
  for (const [chunks, blockBytes, inFlight] of cases) {
    const whole = Buffer.concat(chunks.map((c) => (typeof c === "string" ? Buffer.from(c) : c)));
    const zipped = await gzipOf(chunks, blockBytes, inFlight);
    assert.deepEqual(gunzipSync(zipped), whole, `${whole.length} bytes in blocks of ${blockBytes}`);
    assert.equal(zipped.readUInt32LE(zipped.length - 4), whole.length);
  }
});

test("the gzip command accepts the stream as one valid member", async () => {
  const body = Buffer.from('{"status":"success"}'.repeat(100_000));
  const zipped = await gzipOf([body], 256 * 1024, 2);
  assert.deepEqual(execFileSync("gzip", ["-dc"], { input: zipped, maxBuffer: 8 * body.length }), body);
  execFileSync("gzip", ["-t"], { input: zipped });
});

test("blocks grow from the first block's size to the largest, and one large chunk is cut into them", async () => {
  const body = Buffer.from('[1764600000,"0.123"],'.repeat(40_000)); // 840,000 bytes in one chunk
  const parts: Buffer[] = [];
  for await (const b of gzipBlocks([body], 256 * 1024, 2, 64 * 1024)) parts.push(b);
  // header, blocks of 64, 128, 256, 256 and the last 136 KiB, final block with trailer
  assert.equal(parts.length, 1 + 5 + 1);
  assert.deepEqual(gunzipSync(Buffer.concat(parts)), body);
});

test("an answer is gzipped over a small window: a range answer comes out smaller than over zlib's default one, and reads back", () => {
  let seed = 11;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const series = Array.from({ length: 9 }, (_, s) => {
    const values = Array.from({ length: 720 }, (_, k) => `[${1796412900 + 30 * k},"${(rand() * 0.01).toPrecision(15)}"]`);
    return `{"metric":{"instance":"demo.promlabs.com:1000${s}","job":"demo","mode":"m${s}"},"values":[${values.join(",")}]}`;
  });
  const body = Buffer.from(`{"status":"success","data":{"resultType":"matrix","result":[${series.join(",")}]}}`);
  const zipped = gzipAnswer(body);
  assert.deepEqual(gunzipSync(zipped), body);
  const overDefaultWindow = gzipSync(body, { level: 1 }).length;
  assert.ok(zipped.length < 0.95 * overDefaultWindow, `${zipped.length} bytes against ${overDefaultWindow}`);
});
