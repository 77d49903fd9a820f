import { TaskCancelledError, TimeoutStrategy, timeout } from "cockatiel";

/**
 * Rejects with an ETIMEDOUT error if `p` has not settled after `ms` (cockatiel's aggressive timeout: the
 * caller is released at once; the work itself is not cancelled, and its late rejection is swallowed).
 */
export async function withTimeout<T>(p: Promise<T>, ms: number, what = "operation"): Promise<T> {
  p.catch(() => {});
  try {
    return await timeout(ms, TimeoutStrategy.Aggressive).execute(() => p);
  } catch (err) {
    if (err instanceof TaskCancelledError)
      throw Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: "ETIMEDOUT" });
    throw err;
  }
}

/** Waits for `p` at most `ms`; resolves either way (for best-effort steps such as closing or subscribing). */
export async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  await withTimeout(p, ms).catch(() => {});
}
