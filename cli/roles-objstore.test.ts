import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openBucket } from "../stores/index.js";
import { FlagError, parseFlagsWith } from "./flags.js";
import { OBJSTORE_FLAGS, objstoreConfigFlag } from "./roles.js";

const flags = (...argv: string[]) => parseFlagsWith(OBJSTORE_FLAGS, argv).values;

test("--objstore.config-file or --objstore.config: one of them gives the bucket; both, neither when required, or a bad one is a flag error", async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-objstore-flags-"));
  try {
    const file = join(dir, "bucket.yml");
    await writeFile(file, `type: FILESYSTEM\nconfig:\n  directory: ${join(dir, "data")}\n`);
    assert.deepEqual(objstoreConfigFlag(flags(`--objstore.config-file=${file}`), true), { type: "FILESYSTEM", prefix: "", directory: join(dir, "data") });
    const inline = objstoreConfigFlag(flags("--objstore.config", `type: FILESYSTEM\nconfig:\n  directory: ${dir}\nprefix: p\n`), true);
    assert.deepEqual(inline, { type: "FILESYSTEM", prefix: "p", directory: dir });
    const bucket = await openBucket(inline!);
    await bucket.put("x", new Uint8Array([1]));
    assert.equal(await bucket.exists("x"), true);

    assert.equal(objstoreConfigFlag(flags(), false), undefined);
    const bad: [string[], boolean, RegExp][] = [
      [[], true, /^one of --objstore.config-file or --objstore.config is required$/],
      [[`--objstore.config-file=${file}`, "--objstore.config=type: S3"], false, /^--objstore.config-file and --objstore.config are both given: give one$/],
      [[`--objstore.config-file=${join(dir, "nope.yml")}`], false, /^invalid --objstore.config-file=.*nope\.yml: ENOENT/],
      [["--objstore.config=type: AZURE"], false, /^--objstore.config: type: "AZURE" is not supported by orrery/],
    ];
    for (const [argv, required, want] of bad) {
      assert.throws(() => objstoreConfigFlag(flags(...argv), required), (err: unknown) => err instanceof FlagError && want.test(err.message), argv.join(" "));
    }
    await writeFile(file, "type: S3\nconfig:\n  bucket: b12\n");
    assert.throws(() => objstoreConfigFlag(flags(`--objstore.config-file=${file}`), true), (err: unknown) => err instanceof FlagError && err.message === `${file}: config.endpoint: missing (host[:port] of the S3 API, e.g. s3.us-east-1.amazonaws.com)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
