// Arrays a pool reuses across requests, made so that a new one looks to V8 like the used ones.

/**
 * An empty array whose elements kind already holds objects, and holes. A fresh `[]` holds small
 * integers until its first object arrives, and code optimized on used arrays deoptimizes on that
 * first store, then recompiles: in a receiver's first burst of concurrent requests (new pooled
 * batches) that was 25–50 ms of compiling for each of its two hottest functions. Holey, the most
 * general kind, because once one array from this literal turns holey (its length set), V8 makes
 * the literal's later arrays holey too, which code optimized on packed ones would reject.
 */
export function objectArray<T>(): T[] {
  const array: unknown[] = [, {}];
  array.length = 0;
  return array as T[];
}
