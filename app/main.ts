import type { Socket } from "node:net";
import { loadConfig } from "../core/config";
import { createContext } from "../core/context";
import { createLogger } from "../core/logger";
import { runMain } from "../core/main";
import { createServer } from "./server";

/**
 * The API process: listen, and on SIGTERM drain — readiness turns 503 and
 * responses carry `Connection: close` for SHUTDOWN_DRAIN_MS (so load
 * balancers stop sending), then stop accepting and let in-flight requests
 * finish, all within SHUTDOWN_TIMEOUT_MS (25 s).
 */
async function main(): Promise<(signal: NodeJS.Signals) => Promise<void>> {
  const config = loadConfig(process.env, "api");
  const logger = createLogger(config.logLevel, { service: "api" });
  const ctx = await createContext(config, { subscribe: true, logger });
  let draining = false;
  const api = createServer(ctx, { shuttingDown: () => draining });
  const server = api.listen(config.port, config.host);
  server.keepAliveTimeout = 65_000; // longer than the ALB's 60 s idle timeout
  server.headersTimeout = 66_000;
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  // ahead of the app: a response the app ends in the same tick (app/fastpath.ts) must still carry it
  server.prependListener("request", (_req, res) => {
    if (draining) res.setHeader("Connection", "close");
  });
  server.on("listening", () => {
    const addr = server.address();
    logger.info("api listening", { port: typeof addr === "object" && addr !== null ? addr.port : config.port });
    logger.flush(); // whoever waits for this line (a supervisor, the tests) sees it now
  });

  return async (signal) => {
    draining = true;
    logger.info("api draining", { signal, drainMs: config.shutdownDrainMs });
    const deadline = Date.now() + config.shutdownTimeoutMs;
    await new Promise((r) => setTimeout(r, Math.min(config.shutdownDrainMs, config.shutdownTimeoutMs)));
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(
      () => {
        logger.warn("in-flight requests outlived the shutdown timeout; closing their connections", {
          open: sockets.size,
        });
        server.closeAllConnections();
      },
      Math.max(0, deadline - Date.now()),
    );
    await closed;
    clearTimeout(timer);
    api.stop();
    await ctx.close();
    logger.info("api stopped");
    logger.flush();
    process.exit(0);
  };
}

runMain({ failed: "api failed to start", stopFailed: "api failed to stop" }, main);
