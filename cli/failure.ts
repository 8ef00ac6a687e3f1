// How the orrery command reports a failure that reached its top: one line, a file-system
// error naming its path and what is wrong rather than Node's error text.

/** What a file-system error code means, said to a user. */
const FILE_ERRORS: Record<string, string> = {
  ENOENT: "no such file or directory",
  ENOTDIR: "a part of the path is not a directory",
  EISDIR: "is a directory, not a file",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EEXIST: "already exists",
  ENOSPC: "no space left on the device",
  EROFS: "the file system is read-only",
};

/** A failure as one line; a file-system error names its path and what is wrong, not Node's error text. */
export function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const { code, path } = err as NodeJS.ErrnoException;
  const meaning = code === undefined ? undefined : FILE_ERRORS[code];
  if (path !== undefined && meaning !== undefined) return `${path}: ${meaning}`;
  return err.message;
}
