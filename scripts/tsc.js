#!/usr/bin/env node
// The project's pinned TypeScript compiler. tslab brings TypeScript 5.0 with a `tsc` bin of its
// own, and a fresh `npm ci` may link node_modules/.bin/tsc to that one; this always runs ours.
require("typescript/lib/tsc.js");
