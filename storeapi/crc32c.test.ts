import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32c } from "./index.js";

test("crc32c matches the Castagnoli check value and continues across calls", () => {
  const data = Buffer.from("123456789");
  assert.equal(crc32c(data), 0xe3069283);
  const long = Buffer.from("The quick brown fox jumps over the lazy dog, twice over to pass eight bytes.");
  assert.equal(crc32c(long, 10, long.length, crc32c(long, 0, 10)), crc32c(long));
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
});
