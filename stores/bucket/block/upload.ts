// Uploading one local block directory: its chunk segments and index first, meta.json
// last, as Thanos's block.Upload does: a reader lists blocks by meta.json, so it never
// sees a block whose other files are missing. Tombstones are not uploaded (Thanos neither).
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { ObjectBucket } from "../objstore/index.js";
import { CHUNKS_DIR, INDEX_FILE, META_FILE } from "./format.js";

/** Uploads `blockDir` as `<ulid>/…`, meta.json last; returns the object names in the order written. Throws (a BucketError naming the object) on the first failure. */
export async function uploadBlock(bucket: ObjectBucket, blockDir: string, ulid: string): Promise<string[]> {
  const segments = (await readdir(join(blockDir, CHUNKS_DIR))).sort();
  const files = [...segments.map((s) => `${CHUNKS_DIR}/${s}`), INDEX_FILE, META_FILE];
  for (const f of files) await bucket.put(`${ulid}/${f}`, { path: join(blockDir, ...f.split("/")) });
  return files.map((f) => `${ulid}/${f}`);
}
