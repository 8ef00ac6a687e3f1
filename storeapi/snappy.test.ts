import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import snappy from "snappyjs";
import { SnappyError, snappyUncompress } from "./snappy.js";
import { rng } from "../testing/index.js";

test("snappy blocks from snappyjs's encoder decode to the bytes encoded: random, runs, long literals, empty", () => {
  const r = rng(3);
  const inputs: Uint8Array[] = [new Uint8Array(0), new Uint8Array(100_000).fill(7)];
  for (let k = 0; k < 200; k++) {
    const n = Math.floor(r() * (k % 10 === 0 ? 200_000 : 2_000));
    // Mostly text-like bytes from a small alphabet so the encoder finds copies of every length and offset size.
    inputs.push(Uint8Array.from({ length: n }, () => (r() < 0.9 ? 97 + Math.floor(r() * 4) : Math.floor(r() * 256))));
  }
  for (const input of inputs) assert.deepEqual(snappyUncompress(snappy.compress(input), 1 << 20), input);
});

test("literal lengths in 1, 2, 3 and 4 extra bytes decode (encoders split blocks at 64 KiB; 3 and 4 are legal)", () => {
  for (const [n, extra] of [[61, 1], [256, 1], [300, 2], [65_536, 2], [70_000, 3], [70_001, 4]] as const) {
    const body = Uint8Array.from({ length: n }, (_, i) => (i * 131) & 0xff);
    const varint: number[] = [];
    for (let v = n; ; v >>>= 7) {
      if (v < 0x80) {
        varint.push(v);
        break;
      }
      varint.push((v & 0x7f) | 0x80);
    }
    const lengthBytes = Array.from({ length: extra }, (_, k) => ((n - 1) >>> (8 * k)) & 0xff);
    const block = Uint8Array.from([...varint, (59 + extra) << 2, ...lengthBytes, ...body]);
    assert.deepEqual(snappyUncompress(block, 1 << 20), body, `${n} bytes, ${extra} length bytes`);
  }
});

test("damaged snappy is a SnappyError naming the fault, never a loop or an overrun", () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ["negative literal length (snappyjs loops on it)", Buffer.from("18fc1a598af59128e4fd3a4111212734cc0a320a10", "hex"), /runs past the input/],
    ["bad length header", Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), /bad length header/],
    ["over the limit", Uint8Array.from([0x80, 0x80, 0x80, 0x01]), /exceeds the limit/],
    ["copy before any output", Uint8Array.from([0x05, 0x01, 0x01]), /copy offset 1 at output byte 0/],
    ["literal past the end", Uint8Array.from([0x05, 0x10, 0x61]), /runs past the input/],
    ["output over the declared length", Uint8Array.from([0x01, 0x04, 0x61, 0x62]), /exceeds the declared length 1/],
    ["output short of the declared length", Uint8Array.from([0x03, 0x00, 0x61]), /decoded 1 bytes, the header declares 3/],
  ];
  for (const [what, input, message] of cases) assert.throws(() => snappyUncompress(input, 1 << 20), (e: unknown) => e instanceof SnappyError && message.test(e.message), what);
  const r = rng(4);
  const good = snappy.compress(Uint8Array.from({ length: 3000 }, () => 97 + Math.floor(r() * 3)));
  for (let k = 0; k < 3000; k++) {
    const bad = Uint8Array.from(good.subarray(0, 1 + Math.floor(r() * good.length)));
    for (let f = 0; f < 3; f++) bad[Math.floor(r() * bad.length)] = Math.floor(r() * 256);
    try {
      assert.ok(snappyUncompress(bad, 1 << 20).length <= 1 << 20);
    } catch (e) {
      assert.ok(e instanceof SnappyError, String(e));
    }
  }
});

/** A script decoding bodies of short literals and near copies until the decoder is optimized, then one of every other tag kind, from Buffers made in JS and then as an HTTP server receives them; prints the decoder's deopts. */
function firstLongLiteralScript(snappyModule: string): string {
  return `
    const { snappyUncompress } = await import(${JSON.stringify(snappyModule)});
    const varint = (n) => { const out = []; for (; n >= 0x80; n >>>= 7) out.push((n & 0x7f) | 0x80); out.push(n); return out; };
    // Bodies of 8-byte literals and 8-byte copies from 8 back: what small label sets compress to.
    const shortOnly = (groups = 4000) => {
      const parts = [];
      for (let i = 0; i < groups; i++) parts.push((8 - 1) << 2, 1, 2, 3, 4, 5, 6, 7, i & 0xff, ((8 - 4) << 2) | 1, 8);
      return Buffer.from([...varint(groups * 16), ...parts]);
    };
    for (let i = 0; i < 30; i++) snappyUncompress(shortOnly(), 1 << 20, new Uint8Array(1 << 20));
    await new Promise((r) => setTimeout(r, 200));
    const literal = (lengthBytes, n) => [(59 + lengthBytes) << 2, ...Array.from({ length: lengthBytes }, (_, k) => ((n - 1) >>> (8 * k)) & 0xff), ...new Array(n).fill(9)];
    const parts = [];
    for (let i = 0; i < 500; i++) parts.push(...literal(1 + (i % 4), 100), ((8 - 1) << 2) | 2, 16, 0, ((8 - 1) << 2) | 3, 16, 0, 0, 0);
    snappyUncompress(Buffer.from([...varint(500 * 116), ...parts]), 1 << 20, new Uint8Array(1 << 20));
    // Bodies as an HTTP server receives them, Buffers made in C++ (a map no Buffer made in JS
    // shares): the decoder optimized on short literals from such bodies, then one with long literals.
    const { createServer } = await import("node:http");
    const viaHttp = (body) => new Promise((resolve, reject) => {
      const server = createServer((req, res) => req.once("data", (chunk) => { res.end(); server.close(); chunk.length === body.length ? resolve(chunk) : reject(new Error("the body came in more than one chunk")); }));
      server.listen(0, "127.0.0.1", () => fetch(\`http://127.0.0.1:\${server.address().port}/\`, { method: "POST", body }).catch(reject));
    });
    const shortReceived = await viaHttp(shortOnly(700));
    for (let i = 0; i < 30; i++) snappyUncompress(shortReceived, 1 << 20, new Uint8Array(1 << 20));
    await new Promise((r) => setTimeout(r, 200));
    const few = [];
    for (let i = 0; i < 50; i++) few.push(...literal(1 + (i % 4), 100), ((8 - 1) << 2) | 2, 16, 0, ((8 - 1) << 2) | 3, 16, 0, 0, 0);
    const received = await viaHttp(Buffer.from([...varint(50 * 116), ...few]));
    snappyUncompress(received, 1 << 20, new Uint8Array(1 << 20));`;
}

test("the first long literal and far copies after a warm-up of short ones do not deopt the decoder, from a Buffer made in JS or in C++", () => {
  const script = firstLongLiteralScript(new URL("./snappy.js", import.meta.url).href);
  const out = execFileSync(process.execPath, ["--trace-deopt", "--input-type=module", "-e", script], { encoding: "utf8" });
  const deopts = out.split("\n").filter((l) => l.includes("deoptimizing") && /<JSFunction snappyUncompress /.test(l));
  assert.deepEqual(deopts, []);
});
