// What a process pays before its first request: `orrery receive` and `orrery start` load no package
// they do not use (a resolve hook fails the run if one is resolved).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { MAIN } from "./testkit.js";

/** Packages loaded only when configured: ioredis (a Redis cache), the S3 SDK (an S3 bucket). */
const LAZY_PACKAGES = ["/node_modules/ioredis/", "/node_modules/@aws-sdk/"];

const REFUSE_HOOK = `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  for (const p of ${JSON.stringify(LAZY_PACKAGES)}) if (r.url.includes(p)) throw new Error("loaded at start-up: " + r.url);
  return r;
}`;

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
    const preload = `import { register } from "node:module"; register("data:text/javascript," + encodeURIComponent(${JSON.stringify(REFUSE_HOOK)}));`;
    // --help loads the subcommand's whole module graph, then returns before serving.
    const r = run([command, "--help"], [], preload);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`usage: orrery ${command}`));
  });
}
