// One long-running server (postgres, pgbouncer, redis-server) run in the foreground as a child of this
// process, so we always hold its real pid: no daemonising, no pid files, no pg_ctl.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import type { RunAs } from "./system";

export interface ServerSpec {
  /** Shown in errors: "postgres primary", "redis node 2". */
  label: string;
  command: string;
  args: string[];
  /** Working directory; inside the instance directory (the reaper recognises our servers by it). */
  cwd: string;
  logFile: string;
  runAs: RunAs | undefined;
  /** Graceful stop: SIGINT is PostgreSQL's fast shutdown; SIGTERM for PgBouncer and Redis. */
  stopSignal: NodeJS.Signals;
  /**
   * Sent by the kernel when this process dies without stopping us (SIGKILL, crash): PostgreSQL's immediate
   * shutdown is SIGQUIT. This is what keeps a killed test run from leaving servers behind.
   */
  parentDeathSignal: NodeJS.Signals;
}

/** A server that exited while we waited for it, with the tail of its log. */
export class ServerExitedError extends Error {
  constructor(
    readonly label: string,
    readonly logTail: string,
  ) {
    super(`${label} exited during start-up; last log lines:\n${logTail}`);
  }

  /** Lost a port race with another harness: worth a retry with fresh ports. */
  get portInUse(): boolean {
    return /address already in use|could not bind|could not create listen socket/i.test(this.logTail);
  }
}

export class ServerProcess {
  private child: ChildProcess | undefined;
  private alive = false;
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly spec: ServerSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.alive;
  }

  start(): void {
    if (this.running) throw new Error(`${this.spec.label} is already running (pid ${this.pid})`);
    const log = openSync(this.spec.logFile, "a");
    try {
      // setpriv execs the server in place, so the pid we hold is the server's own.
      const child = spawn(
        "setpriv",
        ["--pdeathsig", this.spec.parentDeathSignal, "--", this.spec.command, ...this.spec.args],
        {
          cwd: this.spec.cwd,
          stdio: ["ignore", log, log],
          uid: this.spec.runAs?.uid,
          gid: this.spec.runAs?.gid,
          env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: this.spec.cwd, LANG: "C.UTF-8" },
        },
      );
      this.child = child;
      this.alive = true;
      this.exited = new Promise((resolve) => {
        const gone = (): void => {
          this.alive = false;
          resolve();
        };
        child.once("exit", gone);
        child.once("error", gone); // spawn failure: surfaces as an early exit in waitUntil
      });
    } finally {
      closeSync(log);
    }
  }

  logTail(lines = 15): string {
    try {
      return readFileSync(this.spec.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  /** Polls `probe` until it resolves true; fails fast if the server exits, with its log tail. */
  async waitUntil(probe: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new ServerExitedError(this.spec.label, this.logTail());
      if (await probe().catch(() => false)) return;
      if (Date.now() > deadline) {
        throw new Error(`${this.spec.label}: not ${what} after ${timeoutMs} ms; last log lines:\n${this.logTail()}`);
      }
      await sleep(50);
    }
  }

  /** Graceful stop, escalating to SIGKILL after `timeoutMs`. Resolves once the process has exited. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    child.kill("SIGCONT"); // a frozen server (signal("SIGSTOP")) would never handle its stop signal
    child.kill(this.spec.stopSignal);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal to the running server (SIGSTOP/SIGCONT freeze and thaw it: a hung server, sockets open). */
  signal(signal: NodeJS.Signals): void {
    if (!this.running) throw new Error(`${this.spec.label} is not running`);
    this.child?.kill(signal);
  }

  /** For the synchronous `exit` path: no waiting possible, so the parent-death signal's hard stop. */
  killNow(): void {
    if (this.running) this.child?.kill(this.spec.parentDeathSignal);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
