// The pack's entry (package.json "main"), which @pulumi/pulumi's run-policy-pack requires when the Pulumi CLI starts
// the pack: `pulumi preview --policy-pack policies`, and `pulumi policy publish`, which starts it here before it runs
// `npm pack`. In the repository (the sources are here) it first bundles them into dist/index.js, so what runs and
// what publish packs right after is always built from the rules as they are now, even where npm skips the prepack
// script (ignore-scripts). A published pack holds only the bundle and runs it.
"use strict";
const { existsSync } = require("node:fs");
const { join } = require("node:path");

if (existsSync(join(__dirname, "index.ts"))) require("./bundle").bundle();
if (!existsSync(join(__dirname, "dist", "index.js"))) {
  throw new Error(
    `${__dirname} holds neither the pack's sources (index.ts) nor its bundle (dist/index.js): ` +
      "build the bundle with `npm run build` in policies/ (npm pack runs it first)",
  );
}
require("./dist/index.js");
