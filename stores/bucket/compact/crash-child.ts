// The compactor as a child process that kills itself (SIGKILL) at a chosen moment: the crash tests' subject.
// argv: <bucket dir> <data dir> <kill point> where the kill point is "none", "before-put:<suffix>:<n>"
// (before the n-th upload of an object whose name ends with suffix) or "event:<kind>:<n>" (after the n-th event).
import { FilesystemBucket, type ObjectBucket, type ObjectContent } from "../objstore/index.js";
import { downsampleBlock } from "../downsample/index.js";
import { Compactor } from "./compactor.js";

const [bucketDir, dataDir, killPoint = "none"] = process.argv.slice(2);
const [where, what, nth] = killPoint.split(":");
let seen = 0;
const hit = (): void => {
  if (++seen === Number(nth)) process.kill(process.pid, "SIGKILL");
};

const inner = new FilesystemBucket(bucketDir!);
const bucket: ObjectBucket = {
  name: inner.name,
  get: (n) => inner.get(n),
  getRange: (n, o, l) => inner.getRange(n, o, l),
  put: async (n: string, c: ObjectContent) => {
    if (where === "before-put" && n.endsWith(what!)) hit();
    await inner.put(n, c);
  },
  delete: (n) => inner.delete(n),
  list: (d, o) => inner.list(d, o),
  exists: (n) => inner.exists(n),
  attributes: (n) => inner.attributes(n),
  close: () => inner.close(),
};
const compactor = new Compactor({
  bucket,
  dataDir: dataDir!,
  deleteDelayMs: 0,
  partialUploadThresholdMs: 0,
  downsampler: downsampleBlock,
  onEvent: (e) => {
    if (where === "event" && e.kind === what) hit();
  },
});
const report = await compactor.run();
console.log(JSON.stringify(report));
