// The storage directory as a user meets it through the command: owned by one process at a
// time, import refusals, and file errors as one line naming the path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopProcess } from "../conformance/index.js";
import { openHead } from "../stores/index.js";
import { logged, MAIN, orrery } from "./testkit.js";

function orrerySync(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8" });
}

test("two processes cannot own one data directory: a second start and an import fail naming the owner", { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-datadir-"));
  const data = join(dir, "data");
  const file = join(dir, "in.om");
  writeFileSync(file, "up 1 1700000000\n# EOF\n");
  const server = orrery(["start", "--storage.tsdb.path", data, "--web.listen-address", "127.0.0.1:0", "--no-self-scrape"]);
  t.after(async () => {
    await stopProcess(server);
    rmSync(dir, { recursive: true, force: true });
  });
  await logged(server, /listening on (http:\S+)/, "orrery start");
  const walBefore = readdirSync(join(data, "wal"));
  const owner = new RegExp(`storage directory ${data} is in use by process ${server.pid} \\(lock file ${join(data, "lock")}\\)`);

  const second = orrerySync(["start", "--storage.tsdb.path", data, "--web.listen-address", "127.0.0.1:0", "--no-self-scrape"]);
  assert.equal(second.status, 1);
  assert.match(second.stderr, owner);
  const imported = orrerySync(["tsdb", "import", "openmetrics", file, "--storage.tsdb.path", data]);
  assert.equal(imported.status, 1);
  assert.match(imported.stderr, owner);
  assert.deepEqual(readdirSync(join(data, "wal")), walBefore, "no WAL segment written beside the owner's");

  await stopProcess(server);
  const after = orrerySync(["tsdb", "import", "openmetrics", file, "--storage.tsdb.path", data]);
  assert.equal(after.status, 0, after.stderr);
});

test("tsdb import refusals through the command: no # EOF, ms read as seconds, seconds read as ms; exit 1, nothing written", async () => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-refuse-"));
  try {
    const data = join(dir, "data");
    const cases: [string, string, string[], RegExp][] = [
      ["noeof.om", "up 1 1700000000\n", [], /noeof\.om:2:1: the file does not end with "# EOF"/],
      ["ms.om", "up 1 1700000000000\n# EOF\n", [], /ms\.om:1:1: timestamp read as OpenMetrics seconds is .*prometheus format/],
      ["s.txt", "up 1 1700000000\n", ["--format", "prometheus"], /s\.txt:1:1: timestamp read as Prometheus milliseconds is 1970-01-20.*openmetrics format/],
    ];
    for (const [name, text, flags, message] of cases) {
      writeFileSync(join(dir, name), text);
      const r = orrerySync(["tsdb", "import", "openmetrics", join(dir, name), "--storage.tsdb.path", data, ...flags]);
      assert.equal(r.status, 1, name);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /refused; nothing imported/);
    }
    const { head } = await openHead(data, { fsync: "never" });
    assert.equal(head.numSeries(), 0, "nothing imported");
    await head.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("file errors in the command are one line naming the path", () => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-files-"));
  try {
    const missing = orrerySync(["tsdb", "import", "openmetrics", join(dir, "missing.om"), "--storage.tsdb.path", join(dir, "data")]);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, `orrery: ${join(dir, "missing.om")}: no such file or directory\n`);
    const notFile = orrerySync(["tsdb", "import", "openmetrics", dir, "--storage.tsdb.path", join(dir, "data")]);
    assert.equal(notFile.stderr, `orrery tsdb import: ${dir}: not a regular file\n`);
    const queries = orrerySync(["conformance", "compare", "--reference", "http://127.0.0.1:1", "--target", "http://127.0.0.1:1", "--queries", join(dir, "q.yml")]);
    assert.equal(queries.status, 1);
    assert.equal(queries.stderr, `orrery: ${join(dir, "q.yml")}: no such file or directory\n`);
    const file = join(dir, "plain");
    writeFileSync(file, "x");
    const notDir = orrerySync(["start", "--storage.tsdb.path", file, "--web.listen-address", "127.0.0.1:0", "--no-self-scrape"]);
    assert.equal(notDir.status, 1);
    assert.equal(notDir.stderr, `orrery: storage directory ${file} is not a directory\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--tsdb.too-far-in-future.time-window: 10m by default on start and receive, 0s turns it off", async () => {
  const { startConfig, parseFlags } = await import("./start.js");
  const receive = await import("./receive.js");
  assert.equal(startConfig(parseFlags([])).tooFarInFutureMs, 600_000);
  assert.equal(receive.receiveConfig(receive.parseFlags([])).tooFarInFutureMs, 600_000);
  assert.equal(startConfig(parseFlags(["--tsdb.too-far-in-future.time-window=0s"])).tooFarInFutureMs, undefined);
  assert.equal(receive.receiveConfig(receive.parseFlags(["--tsdb.too-far-in-future.time-window=1h"])).tooFarInFutureMs, 3_600_000);
});
