// Jest global teardown of the `app` project: stops the shared instance (every server, its directory) and
// reaps the directories of any instance whose owning worker was killed during the run.
import { reapStaleInstances, type Services } from "./index";
import { SHARED_INSTANCE } from "./global-setup";

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { [SHARED_INSTANCE]?: Services };
  const services = holder[SHARED_INSTANCE];
  const started = Date.now();
  if (services !== undefined) {
    await services.stop();
    delete holder[SHARED_INSTANCE];
  }
  const reaped = reapStaleInstances();
  process.stdout.write(
    `services harness: shared instance stopped in ${Date.now() - started} ms` +
      (reaped.length > 0 ? `; reaped ${reaped.length} stale instance(s)` : "") +
      "\n",
  );
}
