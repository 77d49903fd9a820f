// Jest global setup of the `app` project: starts the ONE shared services instance every app test file
// uses, and publishes its addresses (environment + JSON file) before any test worker starts, so workers
// inherit them. Runs in jest's parent process, like global-teardown, which finds the instance again here.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { serviceEnv, startServices, type Services } from "./index";

export const SHARED_INSTANCE = Symbol.for("storyforge.services.shared");

export default async function globalSetup(): Promise<void> {
  const services = await startServices({ name: "jest-app" });
  (globalThis as { [SHARED_INSTANCE]?: Services })[SHARED_INSTANCE] = services;
  // Inside the instance directory, so stopping the instance deletes it.
  const file = join(services.dir, "services.json");
  writeFileSync(file, JSON.stringify(services.urls(), null, 2), { mode: 0o600 });
  Object.assign(process.env, serviceEnv(services.urls(), file));
  process.stdout.write(`\nservices harness: shared instance up in ${services.startupMs} ms (${services.dir})\n`);
}
