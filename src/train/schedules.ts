/**
 * Learning-rate schedules. Each is a pure function of the config and the position in
 * training, so a resumed run recomputes the same rate without stored state.
 */
import type { TrainConfig } from "../config/train";

/** Where training is: `epoch` 0-based, `iteration` 0-based within the epoch. */
export interface SchedulePosition {
  epoch: number;
  iteration: number;
  /** Minibatches per epoch (ceil(nPresented / batchSize)). */
  itersPerEpoch: number;
}

/**
 * The learning rate of one SGD step.
 * 1) "constant": lr.
 * 2) "multistep": lr * gamma^k, k = number of milestones <= epoch (PyTorch MultiStepLR
 *    stepped once per epoch: milestone 60 means epochs 60, 61, ... (0-based) use lr * gamma).
 * 3) "warmup-cosine": per iteration t = epoch * itersPerEpoch + iteration, with
 *    W = warmupEpochs * itersPerEpoch warmup steps and T = epochs * itersPerEpoch steps:
 *    lr * t / W while t < W (linear from 0), then lr * (1 + cos(pi * (t - W) / (T - W))) / 2,
 *    which decays to about 0 at the last step.
 */
export function learningRateAt(
  config: Pick<TrainConfig, "lr" | "schedule" | "milestones" | "gamma" | "warmupEpochs" | "epochs">,
  position: SchedulePosition,
): number {
  const { epoch, iteration, itersPerEpoch } = position;
  switch (config.schedule) {
    case "constant":
      return config.lr;
    case "multistep": {
      const passed = config.milestones.filter((m) => m <= epoch).length;
      return config.lr * Math.pow(config.gamma, passed);
    }
    case "warmup-cosine": {
      const t = epoch * itersPerEpoch + iteration;
      const warmupSteps = Math.round(config.warmupEpochs * itersPerEpoch);
      const totalSteps = config.epochs * itersPerEpoch;
      if (t < warmupSteps) return (config.lr * t) / warmupSteps;
      const decaySteps = Math.max(totalSteps - warmupSteps, 1);
      return (config.lr * (1 + Math.cos((Math.PI * (t - warmupSteps)) / decaySteps))) / 2;
    }
  }
}
