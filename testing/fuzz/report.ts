// What a fuzz run starts from (seed queries) and how it reports.
import { sharedDir } from "../index.js";
import { specCorpus } from "../../promql/testutil/corpus.js";
import { sampleQueries } from "./queries.js";
import type { FuzzReport } from "./run.js";

export const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

export function seedQueries(): string[] {
  const shared = sharedDir();
  return shared === undefined ? [...sampleQueries] : [...sampleQueries, ...specCorpus(shared).map((q) => q.query)];
}

export function summary(report: FuzzReport): string {
  const statuses = Object.entries(report.statuses)
    .sort()
    .map(([k, v]) => `${k}:${v}`)
    .join(" ");
  return `${report.inputs} inputs in ${(report.elapsedMs / 1000).toFixed(0)} s, ${report.crashes} crashes, ${report.hangs} hangs; RSS baseline ${mb(report.baselineRssBytes)}, peak ${mb(report.peakRssBytes)}, after ${mb(report.finalRssBytes)}; live heap baseline ${mb(report.baselineHeapBytes)}, after ${mb(report.finalHeapBytes)} (after a full GC); head series ${report.headSeriesBefore} → ${report.headSeriesAfter}; statuses ${statuses}`;
}
