import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  type CircuitBreakerPolicy,
} from "cockatiel";

/**
 * A circuit breaker (cockatiel): after `threshold` consecutive failures the circuit opens for `cooldownMs`,
 * during which callers skip the dependency at once (no timeouts piling up). After the cooldown exactly ONE
 * call is the half-open trial; calls arriving while it runs are answered with the fallback at once rather than
 * queued behind it (cockatiel would make them wait for the trial), so a request never waits on a dependency
 * that is still being probed.
 */
export class CircuitBreaker {
  private readonly policy: CircuitBreakerPolicy;

  constructor(threshold = 3, cooldownMs = 2_000) {
    this.policy = circuitBreaker(handleAll, { halfOpenAfter: cooldownMs, breaker: new ConsecutiveBreaker(threshold) });
  }

  /** Whether calls go through normally (not open, no trial under way). */
  get closed(): boolean {
    return this.policy.state === CircuitState.Closed;
  }

  /** Listens to open/close changes (for logging a state change once rather than per call). */
  onChange(listener: (closed: boolean) => void): void {
    this.policy.onBreak(() => listener(false));
    this.policy.onReset(() => listener(true));
  }

  /**
   * Runs `fn` if the circuit allows, returning `fallback` when it is open, when a trial is under way, or when
   * `fn` fails. `onError` hears failures (`skipped` false) and skipped calls (`skipped` true).
   */
  async run<T>(fn: () => Promise<T>, fallback: T, onError?: (err: unknown, skipped: boolean) => void): Promise<T> {
    if (this.policy.state === CircuitState.HalfOpen) {
      onError?.(new BrokenCircuitError(), true);
      return fallback;
    }
    try {
      return await this.policy.execute(fn);
    } catch (err) {
      onError?.(err, err instanceof BrokenCircuitError);
      return fallback;
    }
  }
}
