import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, mkdir } from "node:fs/promises";
import { describeFailure } from "./failure.js";

test("a file-system failure is one line naming the path and what is wrong, not Node's error text", async () => {
  const missing = await readFile("/nonexistent/orrery/file.om").catch((e: unknown) => e);
  assert.equal(describeFailure(missing), "/nonexistent/orrery/file.om: no such file or directory");
  const notDir = await mkdir("/etc/hostname/sub").catch((e: unknown) => e);
  assert.equal(describeFailure(notDir), "/etc/hostname/sub: a part of the path is not a directory");
  assert.equal(describeFailure(new Error("plain")), "plain");
});
