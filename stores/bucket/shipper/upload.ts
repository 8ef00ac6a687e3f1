// Uploading one local block directory: its chunk segments and index first, meta.json
// last, as Thanos's block.Upload does: a reader lists blocks by meta.json, so it never
// sees a block whose other files are missing. Tombstones are not uploaded (Thanos neither).
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { CHUNKS_DIR, INDEX_FILE, META_FILE } from "../block/index.js";
import type { ObjectBucket } from "../objstore/index.js";

/** Uploads `blockDir` as `<ulid>/…`; throws (a BucketError naming the object) on the first failure. */
export async function uploadBlock(bucket: ObjectBucket, blockDir: string, ulid: string): Promise<void> {
  const segments = (await readdir(join(blockDir, CHUNKS_DIR))).sort();
  for (const name of segments) {
    await bucket.put(`${ulid}/${CHUNKS_DIR}/${name}`, { path: join(blockDir, CHUNKS_DIR, name) });
  }
  await bucket.put(`${ulid}/${INDEX_FILE}`, { path: join(blockDir, INDEX_FILE) });
  await bucket.put(`${ulid}/${META_FILE}`, { path: join(blockDir, META_FILE) });
}
