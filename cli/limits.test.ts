// The request size limits as flags: defaults, parsing, and a process that applies them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopProcess } from "../conformance/index.js";
import { logged, orrery } from "./testkit.js";

test("request limit flags: defaults on start, query and receive; sizes parsed; zero or garbage refused naming the flag", async () => {
  const start = await import("./start.js");
  const query = await import("./query.js");
  const receive = await import("./receive.js");
  const defaults = { bodyLimitBytes: 32 * 1024 ** 2, maxHeaderBytes: 1024 ** 2 };
  assert.deepEqual(start.startConfig(start.parseFlags([])).limits, defaults);
  assert.equal(start.startConfig(start.parseFlags([])).maxDecodedBytes, 64 * 1024 ** 2);
  assert.deepEqual(query.queryCommandConfig(query.parseFlags(["--endpoint=a:1"])).limits, defaults);
  assert.deepEqual(receive.receiveConfig(receive.parseFlags([])).limits, defaults);
  const set = ["--web.max-request-body-size=2MB", "--web.max-request-header-size=256KiB", "--remote-write.max-decoded-size=1GiB"];
  assert.deepEqual(receive.receiveConfig(receive.parseFlags(set)).limits, { bodyLimitBytes: 2 * 1024 ** 2, maxHeaderBytes: 256 * 1024 });
  assert.equal(receive.receiveConfig(receive.parseFlags(set)).maxDecodedBytes, 1024 ** 3);
  assert.throws(() => start.startConfig(start.parseFlags(["--web.max-request-body-size=0"])), /invalid --web.max-request-body-size=0: want a size above 0/);
  assert.throws(() => receive.receiveConfig(receive.parseFlags(["--remote-write.max-decoded-size=lots"])), /invalid --remote-write.max-decoded-size=lots/);
});

test("orrery receive applies --web.max-request-body-size and --web.max-request-header-size", { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-limits-"));
  const child = orrery(["receive", `--tsdb.path=${dir}`, "--remote-write.address=127.0.0.1:0", "--grpc-address=127.0.0.1:0", "--web.max-request-body-size=1KiB", "--web.max-request-header-size=4KiB"]);
  t.after(async () => {
    await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  });
  const url = await logged(child, /listening on (http:\/\/[^\s"]+)/, "receive");
  const big = await fetch(`${url}/api/v1/write`, { method: "POST", body: new Uint8Array(2048), headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy" } });
  assert.equal(big.status, 413);
  assert.equal(await big.text(), "request body too large: more than 1024 bytes\n");
  const longUrl = await fetch(`${url}/-/healthy?${"x".repeat(5000)}`);
  assert.equal(longUrl.status, 431);
  assert.equal((await fetch(`${url}/-/healthy`)).status, 200);
});
