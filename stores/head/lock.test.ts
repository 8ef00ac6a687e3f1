import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirLockError, lockDir } from "./lock.js";
import { openHead } from "./open.js";

test("openHead locks the directory with its pid: a second open fails naming the owner until the first closes", async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-lock-"));
  try {
    const first = await openHead(dir, { fsync: "never" });
    assert.equal(await readFile(join(dir, "lock"), "utf8"), `${process.pid}\n`);
    await assert.rejects(openHead(dir, { fsync: "never" }), (err: Error) => {
      assert.ok(err instanceof DirLockError);
      assert.match(err.message, new RegExp(`storage directory .* is in use by process ${process.pid} \\(lock file .*lock\\)`));
      return true;
    });
    await first.head.close();
    await assert.rejects(readFile(join(dir, "lock")), /ENOENT/, "close releases the lock");
    const again = await openHead(dir, { fsync: "never" });
    await again.head.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a lock left by a process that is gone, or torn, is taken over; a file is not a storage directory", async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-lock-"));
  try {
    const gone = spawnSync(process.execPath, ["-e", ""]).pid!;
    await writeFile(join(dir, "lock"), `${gone}\n`);
    const lock = await lockDir(dir);
    assert.equal(await readFile(lock.path, "utf8"), `${process.pid}\n`);
    await lock.release();
    await writeFile(join(dir, "lock"), "");
    await (await lockDir(dir)).release();
    const file = join(dir, "file");
    await writeFile(file, "x");
    await assert.rejects(lockDir(file), /storage directory .*file is not a directory/);
    await assert.rejects(openHead(join(file, "sub")), /storage directory .*sub is not a directory/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
