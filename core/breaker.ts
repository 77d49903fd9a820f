/**
 * A small circuit breaker: after `threshold` consecutive failures the circuit
 * opens for `cooldownMs`, during which callers skip the dependency at once
 * (no timeouts piling up); the first call after the cooldown is a trial.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;

  constructor(
    private readonly threshold = 3,
    private readonly cooldownMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a call may go through now. */
  get closed(): boolean {
    return this.now() >= this.openUntil;
  }

  success(): void {
    this.failures = 0;
    this.openUntil = 0;
  }

  failure(): void {
    this.failures += 1;
    if (this.failures >= this.threshold) this.openUntil = this.now() + this.cooldownMs;
  }

  /** Runs `fn` if the circuit allows, returning `fallback` when open or when `fn` fails. */
  async run<T>(fn: () => Promise<T>, fallback: T, onError?: (err: unknown) => void): Promise<T> {
    if (!this.closed) return fallback;
    try {
      const v = await fn();
      this.success();
      return v;
    } catch (err) {
      this.failure();
      onError?.(err);
      return fallback;
    }
  }
}
