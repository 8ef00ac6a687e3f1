// Writes the dataset to a file. Synchronous writes keep memory bounded (generation is
// synchronous too) and suit the command line that is its only user.
import { closeSync, openSync, writeSync } from "node:fs";
import { generateDataset, type DatasetOptions } from "./generate.js";

/** Writes the dataset to `path`; returns the bytes written. */
export function writeDatasetFile(path: string, opts: DatasetOptions): number {
  const fd = openSync(path, "w");
  let bytes = 0;
  try {
    generateDataset(opts, (chunk) => {
      const buf = Buffer.from(chunk, "utf8");
      writeSync(fd, buf);
      bytes += buf.length;
    });
  } finally {
    closeSync(fd);
  }
  return bytes;
}
