/**
 * Read-only probes of the machine: GPUs, shared libraries, executables. Used by the backend
 * chooser (to name the GPU device) and by the doctor (to say what is missing). Every probe
 * returns null or an empty list when the thing is absent; none throws.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** Runs a program and returns its trimmed stdout, or null if it is missing, fails or times out. */
export function commandOutput(program: string, args: string[], timeoutMs = 10_000): string | null {
  try {
    return execFileSync(program, args, { encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

/** Full path of an executable found on PATH, or null. */
export function findExecutable(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // Not in this folder; keep looking.
    }
  }
  return null;
}

/**
 * The NVIDIA GPUs `nvidia-smi` lists, in its (and CUDA_VISIBLE_DEVICES') index order: the one
 * GPU probe, behind the device name of a run, the doctor and the sweep's worker count.
 * @returns the GPU names (empty without a driver or GPU) and the driver version (null then).
 */
export function listNvidiaGpus(): { names: string[]; driver: string | null } {
  const out = findExecutable("nvidia-smi") ? commandOutput("nvidia-smi", ["--query-gpu=name,driver_version", "--format=csv,noheader"]) : null;
  // One "<name>, <driver version>" line per GPU; the version has no comma, a name might.
  const gpus = (out ?? "").split("\n").flatMap((line) => {
    const match = /^(.+),\s*([^,]+)$/.exec(line.trim());
    return match ? [{ name: match[1].trim(), driver: match[2].trim() }] : [];
  });
  return { names: gpus.map((g) => g.name), driver: gpus[0]?.driver ?? null };
}

/**
 * Where the dynamic loader would find a shared library such as "libcudart.so.11.0": first the
 * folders of LD_LIBRARY_PATH (the loader searches them first), then the `ldconfig -p` cache.
 * Returns the full path, or null.
 */
export function findSharedLibrary(soname: string): string | null {
  for (const dir of (process.env.LD_LIBRARY_PATH ?? "").split(":")) {
    if (!dir) continue;
    const candidate = path.join(dir, soname);
    if (fs.existsSync(candidate)) return candidate;
  }
  const ldconfig = fs.existsSync("/sbin/ldconfig") ? "/sbin/ldconfig" : "ldconfig";
  const cache = commandOutput(ldconfig, ["-p"]);
  if (!cache) return null;
  for (const line of cache.split("\n")) {
    // Lines look like: "\tlibcudart.so.11.0 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.11.0"
    const match = /^\s*(\S+)\s+\(.*\)\s+=>\s+(\S+)/.exec(line);
    if (match && match[1] === soname) return match[2];
  }
  return null;
}

/** The `version` field of an installed package's package.json, or null if it is not installed. */
export function installedPackageVersion(name: string): string | null {
  try {
    const manifest = require(`${name}/package.json`) as { version?: string };
    return manifest.version ?? null;
  } catch {
    return null;
  }
}

/** Environment variable a local sweep sets for its workers: their share of the cores (see defaultThreads in ./index.ts). */
export const THREADS_ENV_VAR = "FORGETTING_THREADS";
