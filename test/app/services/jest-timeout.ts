// setupFilesAfterEnv of the `app` project: tests there talk to real servers on a shared 2-core machine,
// where jest's 5 s default fails healthy tests. Jest 30 ignores a per-project `testTimeout`, hence this file.
jest.setTimeout(30_000);
