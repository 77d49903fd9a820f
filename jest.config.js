// Two projects: `infra` (Pulumi program under mocks, stacks, policies, cost: no services) and
// `app` (API and worker against real PostgreSQL, PgBouncer and Redis started by its global setup).
const transform = {
  "^.+\\.ts$": [
    "@swc/jest",
    { jsc: { target: "es2022", parser: { syntax: "typescript" } }, module: { type: "commonjs" } },
  ],
};
// .tmp/ holds image storage (whole root filesystems) and downloads: nothing jest should crawl.
const common = {
  transform,
  testEnvironment: "node",
  moduleFileExtensions: ["ts", "js", "json"],
  modulePathIgnorePatterns: ["<rootDir>/.tmp/"],
};

module.exports = {
  reporters: ["default", "<rootDir>/test/summary-reporter.js"],
  projects: [
    {
      ...common,
      displayName: "infra",
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/app/"],
    },
    {
      ...common,
      displayName: "app",
      testMatch: ["<rootDir>/test/app/**/*.test.ts"],
      // One shared services instance for the whole project (addresses: test/app/services/index.ts).
      globalSetup: "<rootDir>/test/app/services/global-setup.ts",
      globalTeardown: "<rootDir>/test/app/services/global-teardown.ts",
      setupFilesAfterEnv: ["<rootDir>/test/app/services/jest-timeout.ts"],
    },
  ],
};
