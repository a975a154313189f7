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

/** Names of the NVIDIA GPUs that `nvidia-smi` lists (empty without a driver or GPU). */
export function listNvidiaGpus(): string[] {
  if (!findExecutable("nvidia-smi")) return [];
  const out = commandOutput("nvidia-smi", ["--query-gpu=name", "--format=csv,noheader"]);
  return out ? out.split("\n").map((s) => s.trim()).filter(Boolean) : [];
}

/** The NVIDIA driver version reported by `nvidia-smi`, or null. */
export function nvidiaDriverVersion(): string | null {
  if (!findExecutable("nvidia-smi")) return null;
  const out = commandOutput("nvidia-smi", ["--query-gpu=driver_version", "--format=csv,noheader"]);
  return out ? (out.split("\n")[0]?.trim() ?? null) : null;
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
