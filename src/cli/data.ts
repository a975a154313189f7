/**
 * `forgetting data fetch <name>`: download a dataset into data/<name>/, verified by size and md5.
 * `forgetting data info [name]`: what each dataset needs, where it goes, and whether it is there.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ValueError, checkOneOf } from "../core/errors";
import { defaultDataRoot } from "../data/digits";
import { DOWNLOADS, VALID_DOWNLOADS, fetchDataset, md5File } from "../data/download";
import type { CliCommand } from "./args";

const SUBCOMMANDS = ["fetch", "info"] as const;

async function info(names: readonly string[], dataRoot: string): Promise<void> {
  for (const name of names) {
    const dataset = checkOneOf("data info <name>", name, VALID_DOWNLOADS);
    const spec = DOWNLOADS[dataset];
    const dir = path.join(dataRoot, dataset);
    console.log(`${dataset}: ${spec.source}`);
    console.log(`  folder: ${dir}`);
    for (const f of spec.files) {
      const file = path.join(dir, f.name);
      let state = "missing";
      if (fs.existsSync(file)) state = fs.statSync(file).size === f.bytes && (await md5File(file)) === f.md5 ? "present, verified" : "present, DOES NOT MATCH (run data fetch to replace it)";
      console.log(`  ${f.name}: ${f.bytes} bytes, md5 ${f.md5} [${state}]`);
    }
    if (spec.unpack) {
      const unpacked = Object.entries(spec.unpack.files).every(([n, bytes]) => {
        const file = path.join(dir, spec.unpack!.folder, n);
        return fs.existsSync(file) && fs.statSync(file).size === bytes;
      });
      console.log(`  unpacked ${spec.unpack.folder}/: ${unpacked ? "present" : "missing"}`);
    }
  }
}

export const command: CliCommand = {
  name: "data",
  summary: "Download (verified by size and md5) or describe datasets: data fetch <name> | data info [name]",
  positionals: ["<fetch|info>", "[name]"],
  options: {
    "data-root": { type: "string", help: "folder holding one subfolder per dataset [default: $FORGETTING_DATA_ROOT, else <project>/data]" },
    mirror: { type: "string", help: "base URL to download from instead of the official sources (file names are appended) [default: none: the official sources]" },
  },
  async run(options, positionals) {
    const [sub, ...names] = positionals;
    checkOneOf("data <subcommand>", sub, SUBCOMMANDS);
    const dataRoot = options["data-root"] === undefined ? defaultDataRoot() : path.resolve(String(options["data-root"]));
    if (sub === "info") return info(names.length ? names : VALID_DOWNLOADS, dataRoot);
    if (names.length !== 1) throw new ValueError(`data fetch: expected one dataset name (${VALID_DOWNLOADS.join(", ")}), got ${names.length}`);
    const mirror = options.mirror === undefined ? undefined : String(options.mirror);
    const started = Date.now();
    // With no network the error lists the files to place by hand (see manualInstructions).
    const fetched = await fetchDataset(names[0], { dataRoot, mirror, log: (line) => console.log(line) });
    for (const f of fetched) console.log(`${f.status === "present" ? "already present, verified" : "downloaded, verified"}: ${f.path}`);
    console.log(`data fetch ${names[0]}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  },
};
