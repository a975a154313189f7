#!/usr/bin/env node
/*
 * Starts the project's tslab kernel with the project root as its working directory.
 *
 * Why: tslab sets the TypeScript rootDir to the kernel's working directory, and Jupyter
 * starts kernels in the notebook's folder, so `import ... from "../src/x"` would fail with
 * "not under rootDir". Running from the project root lets every notebook import the
 * library as "./src/..." and use project-relative paths (outputs/<experiment>), the same
 * way interactively and headless. `forgetting setup` registers this file as the kernel
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
// tslab's own command line ("tslab kernel --config-path <file>") parses process.argv.
process.argv = [process.argv[0], tslabMain, "kernel", "--config-path", connectionFile];
require(tslabMain).main();
