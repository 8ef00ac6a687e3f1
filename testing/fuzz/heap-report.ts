// Where the fuzz target's gc-on-signal preload leaves its memory figures, and reading them back.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface HeapReport {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export const heapReportPath = (pid: number): string => join(tmpdir(), `orrery-fuzz-heap-${pid}.json`);

/** The figures the process wrote after its last full collection (undefined until it has), removing the file. */
export function takeHeapReport(pid: number): HeapReport | undefined {
  const path = heapReportPath(pid);
  if (!existsSync(path)) return undefined;
  const report = JSON.parse(readFileSync(path, "utf8")) as HeapReport;
  rmSync(path, { force: true });
  return report;
}
