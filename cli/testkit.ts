// Helpers for tests that run the built `orrery` command in child processes.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { encodeRemoteWriteBody, type WriteTimeSeries } from "../stores/index.js";
import { repoRoot } from "../testing/index.js";

export const MAIN = join(repoRoot(), "dist", "cli", "main.js");

/** Resolves with the first match of `pattern` in the child's stdout. */
export function logged(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m !== null) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`${what} exited ${code} before logging ${pattern}:\n${out}`)));
  });
}

export function orrery(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  child.stderr!.on("data", () => undefined);
  return child;
}

/** POSTs the series to a remote_write endpoint, 200 a request; each must be accepted. */
export async function remoteWrite(url: string, timeseries: readonly WriteTimeSeries[]): Promise<void> {
  for (let i = 0; i < timeseries.length; i += 200) {
    const res = await fetch(`${url}/api/v1/write`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-write-version": "0.1.0" },
      body: encodeRemoteWriteBody({ timeseries: timeseries.slice(i, i + 200) }),
    });
    assert.equal(res.status, 204, await res.text());
  }
}

