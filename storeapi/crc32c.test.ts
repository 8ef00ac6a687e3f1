import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { crc32c } from "./index.js";

test("crc32c matches the Castagnoli check value and continues across calls", () => {
  const data = Buffer.from("123456789");
  assert.equal(crc32c(data), 0xe3069283);
  const long = Buffer.from("The quick brown fox jumps over the lazy dog, twice over to pass eight bytes.");
  assert.equal(crc32c(long, 10, long.length, crc32c(long, 0, 10)), crc32c(long));
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
});

test("crc32c does not deopt on every call after a long first call with no bytes past a multiple of 8", () => {
  // The first call is optimized mid-loop (OSR); later calls with such bytes deopted on every call before.
  const script = `
    const { crc32c } = await import(${JSON.stringify(new URL("./index.js", import.meta.url).href)});
    const big = Buffer.alloc(200008, 7);
    crc32c(big, 8, big.length);
    for (let i = 0; i < 20; i++) crc32c(big, 8, big.length - 3);`;
  const out = execFileSync(process.execPath, ["--trace-deopt", "--input-type=module", "-e", script], { encoding: "utf8" });
  const deopts = out.split("\n").filter((l) => l.includes("deoptimizing") && /<JSFunction (crc32c|update) /.test(l));
  // Once may happen (feedback is collected only from when V8 allocates it, which depends on timing); it was every call.
  assert.ok(deopts.length <= 1, deopts.join("\n"));
});
