// Uploading a local block directory into a bucket as Thanos's shipper does: every other file
// first, meta.json last, so a gateway never sees a block without all its files.
import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { META_FILE } from "../block/index.js";
import type { ObjectBucket } from "../objstore/index.js";

/** Uploads `blockDir` as `<ulid>/…` and returns the object names written, meta.json last. */
export async function uploadBlockDir(bucket: ObjectBucket, blockDir: string, ulid: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else if (e.isFile()) files.push(relative(blockDir, join(d, e.name)));
    }
  };
  await walk(blockDir);
  files.sort((a, b) => Number(a === META_FILE) - Number(b === META_FILE) || (a < b ? -1 : 1));
  const names: string[] = [];
  for (const f of files) {
    const name = `${ulid}/${f.split(sep).join("/")}`;
    await bucket.put(name, { path: join(blockDir, f) });
    names.push(name);
  }
  return names;
}
