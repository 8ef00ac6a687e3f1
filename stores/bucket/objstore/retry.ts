// Bounded retries with exponential backoff for requests to a remote object store: a 5xx, a 429 or
// a network error is worth another try; anything else (403, 404, a bad request) is not.

export interface RetryPolicy {
  /** Tries in all, the first included (1: no retries). */
  readonly maxAttempts: number;
  /** The wait before the first retry; it doubles each retry, up to maxDelayMs. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 10_000 };

/** The wait before retry number `retry` (0-based): base·2^retry capped, scaled by a jitter in [0.5, 1). */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return ceiling * (0.5 + random() / 2);
}

/** Runs `attempt` until it succeeds, fails with an error not worth retrying, or runs out of tries. */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  retryable: (err: unknown) => boolean,
  onRetry: (err: unknown, delayMs: number) => void,
): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (err) {
      if (tried >= policy.maxAttempts || !retryable(err)) throw err;
      const delayMs = backoffMs(policy, tried - 1);
      onRetry(err, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

const NETWORK_ERROR_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND", "ENETUNREACH", "EHOSTUNREACH", "UND_ERR_SOCKET"]);

/** Whether an error from the AWS SDK is a server-side or network failure (worth a retry). */
export function isRetryableS3Error(err: unknown): boolean {
  const e = err as { $metadata?: { httpStatusCode?: number }; code?: string; name?: string } | undefined;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  if (e?.code !== undefined && NETWORK_ERROR_CODES.has(e.code)) return true;
  return e?.name === "TimeoutError" || e?.name === "RequestTimeout";
}
