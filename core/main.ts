/** How an entry point's fatal outcomes read in its one JSON line on stderr. */
export interface MainMessages {
  /** `main` rejected: bad config, a dependency unreachable at start-up, a failed migration. */
  failed: string;
  /** The stop function rejected. */
  stopFailed?: string;
}

/**
 * The entry helper of the API, the worker and the migrate command: runs `main`; if it fails, writes one JSON
 * line saying so to stderr and exits 1. When `main` returns a stop function, SIGTERM and SIGINT call it once
 * (the stop function exits the process when it is done).
 */
export function runMain(
  messages: MainMessages,
  main: () => Promise<void | ((signal: NodeJS.Signals) => Promise<void>)>,
): void {
  main().then(
    (stop) => {
      if (stop === undefined) return;
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        stop(signal).catch((err: unknown) => fatal(messages.stopFailed ?? messages.failed, err));
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
    },
    (err: unknown) => fatal(messages.failed, err),
  );
}

function fatal(msg: string, err: unknown): void {
  process.stderr.write(
    `${JSON.stringify({ level: "error", msg, error: err instanceof Error ? err.message : String(err) })}\n`,
  );
  process.exit(1);
}
