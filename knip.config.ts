import type { KnipConfig } from "knip";

// `npm run lint` runs knip: no unused files, exports or dependencies. Test files are entry
// points, so an export only the tests use counts as used. The public index (src/index.ts, as
// package.json's main) and bin/forgetting.js (package.json's bin) are entries through package.json.
const config: KnipConfig = {
  entry: [
    "src/cli.ts",
    // Spawned as a child process by file path (src/experiments/sweep.ts), not imported.
    "src/experiments/worker.ts",
    "scripts/*.js",
    "bench/**/*.ts",
    "test/**/*.test.ts",
  ],
  project: ["src/**/*.ts", "bin/**/*.js", "scripts/**/*.js", "bench/**/*.ts", "test/**/*.ts"],
  ignoreDependencies: [
    // Loaded by name from BACKEND_PACKAGES (src/backend/index.ts), which knip cannot follow.
    "@tensorflow/tfjs-backend-wasm",
    // Optional: src/notebook/plotly.ts minifies plotly with it when the project has it.
    "esbuild",
    // tslab's own TypeScript, resolved from tslab's folder by scripts/tslab-kernel.js.
    "@tslab/typescript-for-tslab",
  ],
  // System tools, not npm packages: Debian's package manager, mount/umount for the tests'
  // read-only and full tmpfs, and Slurm's daemons and clients (slurm-wlm) and runuser for the
  // tests' local cluster.
  ignoreBinaries: ["apt-get", "mount", "umount", "runuser", "slurmctld", "slurmd", "sinfo", "scancel"],
};

export default config;
