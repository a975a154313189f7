#!/usr/bin/env node
/**
 * Builds native/jpeg_turbo.c (the fast JPEG path of image folders, src/data/jpegTurbo.ts) with
 * node-gyp. Optional: where it cannot be built (no C compiler, or no libjpeg-turbo headers),
 * image folders decode with sharp instead; this prints why and how to get it, and exits 0.
 *
 *   node scripts/build-native.js        (run by `npm run build` and `npm ci`)
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const nodeRoot = path.resolve(path.dirname(process.execPath), "..");

function findNodeGyp() {
  // npm sets npm_config_node_gyp for its scripts; otherwise the node-gyp bundled with npm.
  const candidates = [process.env.npm_config_node_gyp, path.join(nodeRoot, "lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js")];
  return candidates.find((c) => c && fs.existsSync(c));
}

function skip(reason) {
  console.log(`native/jpeg_turbo not built: ${reason}`);
  console.log("  Image folders will decode with sharp (same work, about twice the CPU per JPEG, a resize that is not PIL's).");
  console.log("  To build it: a C compiler, make, python3 and libjpeg-turbo's headers (Debian: apt-get install build-essential libjpeg62-turbo-dev), then npm run build.");
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) {
  skip("node-gyp not found (it comes with npm)");
} else {
  // Node's own headers where this node is installed (no download), unless npm names a nodedir.
  const args = [nodeGyp, "rebuild", "-C", path.join(root, "native")];
  if (!process.env.npm_config_nodedir && fs.existsSync(path.join(nodeRoot, "include/node/node_api.h"))) args.push(`--nodedir=${nodeRoot}`);
  const result = spawnSync(process.execPath, args, { encoding: "utf8" });
  if (result.status === 0) {
    console.log("native/jpeg_turbo built (libjpeg-turbo decode + PIL-exact resize for image folders)");
  } else {
    const output = `${result.stdout}\n${result.stderr}`.split("\n").filter((l) => /error|not found|No such file/i.test(l) && !/^gyp (info|ERR! (stack|System|command|cwd|node|\$))/.test(l));
    skip(`node-gyp failed${output.length ? `: ${output.slice(0, 3).join(" | ").trim()}` : ` with status ${result.status}`}`);
  }
}
