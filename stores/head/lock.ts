// The storage directory's lock: DIR/lock holds the owning process's pid, as Prometheus
// keeps DIR/lock, so a second server or an import cannot write WAL segments into a
// directory whose owner would never read them. A lock left by a process that is gone is
// taken over.
import { mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import { join } from "node:path";

export const LOCK_FILE = "lock";

/** The directory is owned by a live process, or is not a directory. */
export class DirLockError extends Error {
  override name = "DirLockError";
}

export interface DirLock {
  readonly path: string;
  /** Removes the lock file if it still names this process. */
  release(): Promise<void>;
}

/** Creates `dir` if needed and takes its lock; throws DirLockError naming the owner when it is taken. */
export async function lockDir(dir: string, pid: number = process.pid): Promise<DirLock> {
  await ensureDirectory(dir);
  const path = join(dir, LOCK_FILE);
  // Two tries: the second after removing a lock whose owner is gone.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await createLockFile(path, pid)) return { path, release: () => releaseLock(path, pid) };
    const owner = await lockOwner(path);
    if (owner !== undefined && isAlive(owner)) {
      throw new DirLockError(
        `storage directory ${dir} is in use by process ${owner} (lock file ${path}); ` +
          `stop that process first, or remove ${path} if it is not an orrery process`,
      );
    }
    await unlink(path).catch(ignoreMissing);
  }
  throw new DirLockError(`cannot take the lock ${path}: another process keeps taking it`);
}

async function ensureDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST" && (err as NodeJS.ErrnoException).code !== "ENOTDIR") throw err;
  }
  const st = await stat(dir).catch(() => undefined);
  if (st === undefined || !st.isDirectory()) throw new DirLockError(`storage directory ${dir} is not a directory`);
}

/** Creates the lock file holding `pid`; false when it exists already. */
async function createLockFile(path: string, pid: number): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, "wx");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  try {
    await fh.writeFile(`${pid}\n`);
  } finally {
    await fh.close();
  }
  return true;
}

/** The pid in the lock file; undefined when it is gone or holds no pid (a torn write: stale). */
async function lockOwner(path: string): Promise<number | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined || !/^\d+\s*$/.test(text)) return undefined;
  return Number(text.trim());
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function releaseLock(path: string, pid: number): Promise<void> {
  if ((await lockOwner(path)) !== pid) return;
  await unlink(path).catch(ignoreMissing);
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== "ENOENT") throw err;
}
