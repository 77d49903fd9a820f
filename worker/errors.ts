import { UnrecoverableError } from "bullmq";

/**
 * Why a generation attempt failed, in words fit for public `GET /jobs/:id`. Anything else that fails an attempt
 * (a driver error, a constraint's text, a plug-in's exception) is logged in full and shown as "generation failed".
 */
export interface PublicFailure {
  readonly publicMessage: string;
}

/** An attempt failed; BullMQ retries it (with backoff) while attempts remain. */
export class JobError extends Error implements PublicFailure {
  get publicMessage(): string {
    return this.message;
  }
}

/** The per-attempt timeout fired (whether or not the generator heeded its AbortSignal). */
export class JobTimeoutError extends JobError {}

/** Retrying cannot help (the scene is gone, the generator returned something unusable): final at once. */
export class FinalJobError extends UnrecoverableError implements PublicFailure {
  get publicMessage(): string {
    return this.message;
  }
}

export function publicMessage(err: unknown): string {
  const m = (err as Partial<PublicFailure> | null)?.publicMessage;
  return typeof m === "string" ? m.slice(0, 500) : "generation failed";
}
