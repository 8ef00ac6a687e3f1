// Preloaded into the fuzz target (node --expose-gc --import): SIGUSR2 runs a full collection, so the
// fuzzer reads the memory the process really holds, not garbage V8 has not collected yet, and
// writes process.memoryUsage() to heapReportPath(pid) (RSS alone mixes live data with allocator slack).
import { renameSync, writeFileSync } from "node:fs";
import { heapReportPath } from "./heap-report.js";

const collect = (globalThis as { gc?: () => void }).gc;
if (collect !== undefined) {
  process.on("SIGUSR2", () => {
    collect();
    // Written aside and renamed, so a reader never sees half a report.
    const path = heapReportPath(process.pid);
    writeFileSync(`${path}.tmp`, JSON.stringify(process.memoryUsage()));
    renameSync(`${path}.tmp`, path);
  });
}
