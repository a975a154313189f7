#!/usr/bin/env node
// Entry point of the CLI; the code is compiled from src/ into dist/ by `npm run build`.
require("../dist/cli.js")
  .main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err) => {
    console.error(err && err.stack ? err.stack : String(err));
    process.exit(1);
  });
