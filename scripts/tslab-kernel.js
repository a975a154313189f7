#!/usr/bin/env node
/*
 * Starts the project's tslab kernel with the project root as its working directory.
 *
 * Why: tslab sets the TypeScript rootDir to the kernel's working directory, and Jupyter
 * starts kernels in the notebook's folder, so `import ... from "../src/x"` would fail with
 * "not under rootDir". Running from the project root lets every notebook import the
 * compiled library as "./dist/..." (see src/setup/kernel.ts for why dist/) and use
 * project-relative paths (outputs/<experiment>), the same way interactively and headless. `forgetting setup` registers this file as the kernel
 * "forgetting-tslab"; Jupyter calls it with the connection file as the only argument.
 */
"use strict";
const path = require("node:path");

const projectRoot = path.resolve(__dirname, "..");
const connectionFile = process.argv[2];
if (!connectionFile) {
  console.error("tslab-kernel.js: expected the Jupyter connection file as the first argument, got nothing");
  process.exit(2);
}
process.chdir(projectRoot);
const tslabMain = require.resolve("tslab/dist/main.js", { paths: [projectRoot] });

// tslab type-checks cells with a watching TypeScript program. A library file rewritten while
// a cell compiles (`npm run build` in another terminal) makes it fail with "Unexpected
// pending rebuildTimer". Node caches modules anyway, so a kernel keeps the library it
// loaded until restarted; watching files on disk is switched off to match.
const tslabTs = require(require.resolve("@tslab/typescript-for-tslab", { paths: [path.dirname(tslabMain)] }));
const noWatch = () => ({ close() {} });
tslabTs.sys.watchFile = noWatch;
tslabTs.sys.watchDirectory = noWatch;
// tslab's own command line ("tslab kernel --config-path <file>") parses process.argv.
process.argv = [process.argv[0], tslabMain, "kernel", "--config-path", connectionFile];
require(tslabMain).main();
