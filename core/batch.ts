/**
 * Group commit: callers hand in one item each and get their own result back, while the items that arrive
 * together, or while the previous batch is in flight, go out as one batch. So a single caller waits for nothing
 * (its batch leaves on the next turn of the event loop) and N concurrent jobs cost one round trip instead of N.
 * One batch is in flight at a time. Items with the same key never share a batch (the later one waits for the
 * next), so a batched statement never sees one row twice.
 */
export class Batcher<I, O> {
  private pending: Array<{ item: I; key: string; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private busy = false;

  constructor(
    /** Results in the order of `items`; an Error in a slot fails that item alone, a throw fails the batch. */
    private readonly flush: (items: I[]) => Promise<Array<O | Error>>,
    private readonly key: (item: I) => string,
    private readonly max = 100,
  ) {}

  run(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, key: this.key(item), resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.busy || this.pending.length === 0) return;
    this.busy = true;
    // the callers woken by the same I/O (jobs fetched or finished together) join this batch
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    const batch: typeof this.pending = [];
    const rest: typeof this.pending = [];
    const keys = new Set<string>();
    for (const p of this.pending) {
      if (batch.length < this.max && !keys.has(p.key)) {
        keys.add(p.key);
        batch.push(p);
      } else rest.push(p);
    }
    this.pending = rest;
    try {
      const out = await this.flush(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const o = out[i];
        if (o instanceof Error) p.reject(o);
        else p.resolve(o);
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.busy = false;
      this.kick();
    }
  }
}

/**
 * A Batcher flush that runs `fn` on the batch and, if the batch statement fails, on each item alone, so one bad
 * item (or a deadlock between two processes' batches) fails only what it must: every item gets the result or the
 * error it would have got alone. A failure `shared` says is the batch's own (the connection went away: whether
 * the statement committed is unknown, so running the items again could apply them twice) fails every item with it.
 */
export async function eachAloneOnFailure<I, O>(
  items: I[],
  fn: (batch: I[]) => Promise<Array<O | Error>>,
  shared: (err: unknown) => boolean = () => false,
): Promise<Array<O | Error>> {
  try {
    return await fn(items);
  } catch (err) {
    if (shared(err)) throw err;
    if (items.length === 1) return [asError(err)];
    return Promise.all(items.map((i) => fn([i]).then((o) => o[0], asError)));
  }
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
