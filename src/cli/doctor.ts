/** `forgetting doctor`: what this machine can run (backend, GPU stack, versions, Jupyter) and how to fix the rest. */
import type { CliCommand } from "./args";
import { doctor, formatDoctorReport } from "../setup/doctor";

export const command: CliCommand = {
  name: "doctor",
  summary: "Check backends (and why better ones are unavailable), GPU/CUDA/cuDNN, versions, Jupyter and the tslab kernel",
  options: {
    json: { type: "boolean", help: "print the report as JSON instead of text", default: false },
  },
  async run(options) {
    const report = await doctor();
    console.log(options.json ? JSON.stringify(report, null, 2) : formatDoctorReport(report));
  },
};
