// The head store: recent samples in memory as Prometheus XOR chunks, a postings
// index for label matchers, appends validated per sample and logged to a WAL,
// and truncation of data older than the head's window. It implements Store,
// adding its external labels (HeadOptions.externalLabels) to every series, as
// Thanos stores do. Head (head.ts) is the face; one file per job behind it:
// append.ts, commit.ts, replay.ts, truncate.ts, read.ts, over state.ts.
//
//   const { head } = await openHead("data", { registry });   // opens data/wal and replays it
//   head.start();                                             // truncation timer
//   await head.appendBatch([{ labels, t: [1000, 2000], v: [1, 2] }]);
//   for await (const frame of head.series({ minTime, maxTime, matchers })) …
//   await head.close();
export { Head, HOUR_MS } from "./head.js";
export { normaliseLabels } from "./state.js";
export type {
  AppendBatch,
  AppendResult,
  HeadBlockSeries,
  HeadOptions,
  HeadWal,
  Rejection,
  ReplaySink,
  SampleKind,
  SeriesHistograms,
  SeriesSamples,
  SeriesHandle,
  TruncateReport,
} from "./types.js";
export { openHead } from "./open.js";
export { DirLockError, LOCK_FILE, lockDir } from "./lock.js";
export type { DirLock } from "./lock.js";
export type { OpenHeadOptions, OpenedHead } from "./open.js";
export { REJECT_REASONS } from "./metrics.js";
export type { RejectReason } from "./metrics.js";
export { formatExpositionError, parseExpositionLine } from "./exposition.js";
export type { ExpositionError, ExpositionFormat, ExpositionLine, ExpositionSample } from "./exposition.js";
export { importExpositionFile } from "./import.js";
export type { ImportOptions, ImportProgress, ImportReport } from "./import.js";
