// Bundles the pack and the repository code it imports (../infra, ../stacks, their JSON data) into dist/index.js,
// so the folder `npm pack` ships (what `pulumi policy publish` uploads) loads on its own. The Pulumi SDKs stay
// external: they are the pack's dependencies, installed beside it, and @pulumi/policy must share @pulumi/pulumi's
// protos. esbuild comes from the repository's devDependencies; a published pack never runs this file.
"use strict";
const { mkdirSync, renameSync, writeFileSync } = require("node:fs");
const { dirname, join } = require("node:path");

function bundle() {
  const { buildSync } = require("esbuild");
  const result = buildSync({
    entryPoints: [join(__dirname, "index.ts")],
    outfile: join(__dirname, "dist", "index.js"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["@pulumi/pulumi", "@pulumi/pulumi/*", "@pulumi/policy"],
    sourcemap: true,
    logLevel: "warning",
    write: false,
  });
  // Written whole and renamed, so a pack starting at the same moment never loads half a bundle.
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    const partial = `${file.path}.${process.pid}.tmp`;
    writeFileSync(partial, file.contents);
    renameSync(partial, file.path);
  }
}

module.exports = { bundle };
if (require.main === module) bundle();
