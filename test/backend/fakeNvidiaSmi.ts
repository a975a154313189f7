import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Runs `fn` with a stand-in `nvidia-smi` first on PATH that answers the GPU query
 * (--query-gpu=name,driver_version --format=csv,noheader) with `lines`, and fails for
 * anything else, so a test sees which query the probe makes.
 */
export async function withFakeNvidiaSmi<T>(lines: string[], fn: () => T | Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-nvidia-smi-"));
  const script = ["#!/bin/sh", 'if [ "$1" = "--query-gpu=name,driver_version" ] && [ "$2" = "--format=csv,noheader" ]; then', ...lines.map((l) => `  echo '${l}'`), "  exit 0", "fi", "exit 9", ""];
  fs.writeFileSync(path.join(dir, "nvidia-smi"), script.join("\n"), { mode: 0o755 });
  const original = process.env.PATH;
  process.env.PATH = `${dir}${path.delimiter}${original ?? ""}`;
  try {
    return await fn();
  } finally {
    process.env.PATH = original;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
