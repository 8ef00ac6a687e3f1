// Helpers for tests that run the built `orrery` command in child processes.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { encodeRemoteWriteBody, type WriteTimeSeries } from "../stores/index.js";
import { mergeSeriesChunks, type Series } from "../storeapi/index.js";
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

export function orrery(args: string[], nodeArgs: readonly string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  child.stderr!.on("data", () => undefined);
  return child;
}

/** POSTs the series to a remote_write endpoint, 200 a request; each must be accepted. */
export async function remoteWrite(url: string, timeseries: readonly WriteTimeSeries[]): Promise<void> {
  for (let i = 0; i < timeseries.length; i += 200) {
    const res = await remoteWriteAs(url, undefined, timeseries.slice(i, i + 200));
    assert.equal(res.status, 204, await res.text());
  }
}

/** One remote_write 1.0 request as `tenant` (THANOS-TENANT; undefined: none), answered as the server answers it. */
export function remoteWriteAs(url: string, tenant: string | undefined, timeseries: readonly WriteTimeSeries[]): Promise<Response> {
  return fetch(`${url}/api/v1/write`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-write-version": "0.1.0", ...(tenant === undefined ? {} : { "THANOS-TENANT": tenant }) },
    body: encodeRemoteWriteBody({ timeseries }),
  });
}

/** Every series of an in-memory head, as remote_write time series. */
export async function writeSeries(series: AsyncIterable<{ series: readonly Series[] }>): Promise<WriteTimeSeries[]> {
  const out: WriteTimeSeries[] = [];
  for await (const frame of series) {
    for (const s of frame.series) {
      const m = mergeSeriesChunks(s, -Infinity, Infinity);
      const samples = [];
      for (let i = 0; i < m.length; i++) samples.push({ timestamp: m.ts[i]!, value: m.vs[i]! });
      out.push({ labels: s.labels, samples });
    }
  }
  return out;
}

/**
 * Checks a compare report of an orrery target against an orrery reference: everything passed
 * except the reference's own should_fail cases that orrery answers (names like "~invalid", valid
 * UTF-8 label names since Prometheus 3), and for those the target answers exactly as the reference.
 */
export async function assertSameAsOrreryReference(report: string, referenceUrl: string, targetUrl: string, atMs: number): Promise<void> {
  const summary = report.split("\n").at(-1)!;
  assert.match(summary, /^\d+ passed, \d+ failed, 0 skipped$/, report.slice(0, 6000));
  const failed = [...(/FAILED \(\d+\):\n([\s\S]*?)\n\n/.exec(report)?.[1] ?? "").matchAll(/^- (.*)\n((?:  .*\n?)*)/gm)];
  assert.equal(failed.length, Number(/(\d+) failed/.exec(summary)![1]), report.slice(0, 6000));
  for (const [, queryText, reasons] of failed) {
    for (const reason of reasons!.trim().split("\n")) assert.match(reason, /expected to fail, but the reference succeeded/, report.slice(0, 6000));
    const at = `query=${encodeURIComponent(queryText!)}&time=${atMs / 1000}`;
    const [a, b] = await Promise.all([referenceUrl, targetUrl].map(async (u) => (await fetch(`${u}/api/v1/query?${at}`)).json()));
    assert.deepEqual(b, a, queryText);
  }
}
