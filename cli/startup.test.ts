// What a process pays before its first request: `orrery receive` and `orrery start` load no package
// they do not use (a resolve hook fails the run if one is resolved), and the receiver keeps V8's young
// generation at its initial 1 MB semi-spaces while its modules load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { MAIN } from "./testkit.js";

/** Packages loaded only when configured: ioredis (a Redis cache), the S3 SDK (an S3 bucket). */
const LAZY_PACKAGES = ["/node_modules/ioredis/", "/node_modules/@aws-sdk/"];

/** What `orrery receive` never loads before it serves: the query side's modules, and grpc-js (loaded when its server starts). */
const NOT_IN_RECEIVE = [...["engine", "federation", "cache", "conformance"].map((m) => new URL(`../${m}/`, import.meta.url).href), "/node_modules/@grpc/grpc-js/"];

/** A preload whose resolve hook fails the run when a module whose URL contains one of `refused` is resolved. */
function refusing(refused: readonly string[]): string {
  const hook = `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  for (const p of ${JSON.stringify(refused)}) if (r.url.includes(p)) throw new Error("loaded at start-up: " + r.url);
  return r;
}`;
  return `import { register } from "node:module"; register("data:text/javascript," + encodeURIComponent(${JSON.stringify(hook)}));`;
}

/** Runs `orrery <args>` with node flags and a preloaded script; returns its status, stdout and stderr. */
function run(args: string[], nodeFlags: string[], preload: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeFlags, "--import", `data:text/javascript,${encodeURIComponent(preload)}`, MAIN, ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

for (const command of ["receive", "start"]) {
  test(`orrery ${command} loads neither ioredis nor the S3 SDK when no Redis cache or S3 bucket is configured`, () => {
    // --help loads the subcommand's whole module graph, then returns before serving.
    const r = run([command, "--help"], [], refusing(LAZY_PACKAGES));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`usage: orrery ${command}`));
  });
}

test("receive loads no module of the query side (engine, federation, cache) nor grpc-js before it serves", () => {
  const r = run(["receive", "--help"], [], refusing(NOT_IN_RECEIVE));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /usage: orrery receive/);
});

/** Prints the young generation's size (V8's new_space, both semi-spaces) at exit. */
const REPORT_NEW_SPACE = `import { getHeapSpaceStatistics } from "node:v8";
process.on("exit", () => process.stderr.write("new_space " + getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size + "\\n"));`;

function newSpaceBytes(args: string[], nodeFlags: string[] = []): number {
  const r = run(args, nodeFlags, REPORT_NEW_SPACE);
  assert.equal(r.status, 0, r.stderr);
  const m = /new_space (\d+)/.exec(r.stderr);
  assert.ok(m !== null, r.stderr);
  return Number(m[1]);
}

test("orrery receive keeps the young generation at 1 MB semi-spaces while its modules load; a node semi-space flag wins", () => {
  assert.ok(newSpaceBytes(["receive", "--help"]) <= 2.5 * 2 ** 20, "receive: semi-spaces of 1 MB");
  // The same module graph without the setting grows them (start), and so does receive when node is told a growth factor.
  assert.ok(newSpaceBytes(["start", "--help"]) >= 8 * 2 ** 20, "start: semi-spaces grown");
  assert.ok(newSpaceBytes(["receive", "--help"], ["--semi-space-growth-factor=2"]) >= 8 * 2 ** 20, "receive with a node flag: grown");
});

/** Prints each V8 flag the process sets at run time (v8.setFlagsFromString), one line each, before passing it on. */
const REPORT_FLAGS = `import { syncBuiltinESMExports } from "node:module";
import v8 from "node:v8";
const set = v8.setFlagsFromString;
v8.setFlagsFromString = (f) => { process.stderr.write("v8 flag " + f + "\\n"); set(f); };
syncBuiltinESMExports();`;

function flagsSet(args: string[], nodeFlags: string[] = []): string[] {
  const r = run(args, nodeFlags, REPORT_FLAGS);
  assert.equal(r.status, 0, r.stderr);
  return [...r.stderr.matchAll(/^v8 flag (.*)$/gm)].map((m) => m[1]!);
}

test("the query-serving commands turn off V8's allocation-site pretenuring and fix old-generation growth at 2×; a node flag of the same kind wins", () => {
  const tuned = ["--no-allocation-site-pretenuring", "--heap-growing-percent=100"];
  for (const command of ["start", "query", "store", "frontend"]) assert.deepEqual(flagsSet([command, "--help"]), tuned, command);
  assert.deepEqual(flagsSet(["receive", "--help"]), ["--semi-space-growth-factor=1"], "receive keeps its young-generation setting only");
  assert.deepEqual(flagsSet(["promql", "--help"]), [], "a one-shot command keeps V8's defaults");
  assert.deepEqual(flagsSet(["start", "--help"], ["--heap-growing-percent=50"]), ["--no-allocation-site-pretenuring"]);
  assert.deepEqual(flagsSet(["query", "--help"], ["--allocation-site-pretenuring"]), ["--heap-growing-percent=100"]);
});
