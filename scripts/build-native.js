#!/usr/bin/env node
/**
 * Builds the project's optional native addons with node-gyp (native/binding.gyp), each only
 * where its library's headers exist; where one cannot be built, this prints why and how to get
 * it, and the project uses its fallback. Exits 0 either way.
 *
 * - native/jpeg_turbo.c, the fast JPEG path of image folders (src/data/jpegTurbo.ts), needs
 *   libjpeg-turbo; without it image folders decode with sharp.
 * - native/onednn_kernels.c, oneDNN training kernels for the wasm backend (src/backend/onednn.ts),
 *   needs oneDNN (libdnnl 2.x); without it the wasm backend trains on its WebAssembly SIMD kernels.
 *
 *   node scripts/build-native.js        (run by `npm run build` and `npm ci`)
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const nodeRoot = path.resolve(path.dirname(process.execPath), "..");

const ADDONS = [
  {
    name: "jpeg_turbo",
    variable: "with_jpeg_turbo",
    header: "jpeglib.h",
    built: "native/jpeg_turbo built (libjpeg-turbo decode + PIL-exact resize for image folders)",
    fallback: "Image folders will decode with sharp (same work, about twice the CPU per JPEG, a resize that is not PIL's).",
    howTo: "a C compiler, make, python3 and libjpeg-turbo's headers (Debian: apt-get install build-essential libjpeg62-turbo-dev)",
  },
  {
    name: "onednn_kernels",
    variable: "with_onednn",
    header: "oneapi/dnnl/dnnl.h",
    built: "native/onednn_kernels built (oneDNN convolution, matMul and batch norm, and C loops for pooling, element-wise ops, the loss and SGD: training kernels for the wasm backend, on every core)",
    fallback: "The wasm backend will train on its WebAssembly SIMD kernels (one thread).",
    howTo: "a C compiler, make, python3 and oneDNN 2.x (Debian: apt-get install build-essential libdnnl-dev)",
  },
];

/** Include folders a C compiler searches by default, plus CPATH / C_INCLUDE_PATH. */
function includeDirs() {
  const fromEnv = [process.env.CPATH, process.env.C_INCLUDE_PATH].filter(Boolean).flatMap((v) => v.split(path.delimiter));
  return [...fromEnv, "/usr/local/include", "/usr/include", `/usr/include/${process.arch === "arm64" ? "aarch64" : "x86_64"}-linux-gnu`];
}

function hasHeader(header) {
  return includeDirs().some((dir) => fs.existsSync(path.join(dir, header)));
}

function findNodeGyp() {
  // npm sets npm_config_node_gyp for its scripts; otherwise the node-gyp bundled with npm.
  const candidates = [process.env.npm_config_node_gyp, path.join(nodeRoot, "lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js")];
  return candidates.find((c) => c && fs.existsSync(c));
}

function skip(addon, reason) {
  console.log(`native/${addon.name} not built: ${reason}`);
  console.log(`  ${addon.fallback}`);
  console.log(`  To build it: ${addon.howTo}, then npm run build.`);
}

/** Runs node-gyp for the addons in `wanted`; returns null on success, else the error lines. */
function nodeGyp(gyp, wanted) {
  const args = [gyp, "rebuild", "-C", path.join(root, "native")];
  if (!process.env.npm_config_nodedir && fs.existsSync(path.join(nodeRoot, "include/node/node_api.h"))) args.push(`--nodedir=${nodeRoot}`);
  args.push("--", ...ADDONS.map((a) => `-D${a.variable}=${wanted.includes(a) ? 1 : 0}`));
  const result = spawnSync(process.execPath, args, { encoding: "utf8" });
  if (result.status === 0) return null;
  const output = `${result.stdout}\n${result.stderr}`.split("\n").filter((l) => /error|not found|No such file/i.test(l) && !/^gyp (info|ERR! (stack|System|command|cwd|node|\$))/.test(l));
  return output.length ? output.slice(0, 3).join(" | ").trim() : `status ${result.status}`;
}

const gyp = findNodeGyp();
const wanted = [];
for (const addon of ADDONS) {
  if (!gyp) skip(addon, "node-gyp not found (it comes with npm)");
  else if (!hasHeader(addon.header)) skip(addon, `${addon.header} not found in ${includeDirs().join(", ")}`);
  else wanted.push(addon);
}
if (wanted.length > 0) {
  // One build for all; if it fails, each addon alone, so one library's problem costs only its addon.
  const failure = nodeGyp(gyp, wanted);
  if (failure === null) {
    for (const addon of wanted) console.log(addon.built);
  } else if (wanted.length === 1) {
    skip(wanted[0], `node-gyp failed: ${failure}`);
  } else {
    const built = [];
    for (const addon of wanted) {
      const alone = nodeGyp(gyp, [addon]);
      if (alone === null) built.push(addon);
      else skip(addon, `node-gyp failed: ${alone}`);
    }
    // `rebuild` cleans the build folder: build the ones that work alone once more, together.
    const together = built.length > 0 ? nodeGyp(gyp, built) : null;
    for (const addon of built) {
      if (together === null) console.log(addon.built);
      else skip(addon, `node-gyp failed when built with the others: ${together}`);
    }
  }
}
