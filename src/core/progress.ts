/**
 * Progress of long work as plain data, and the one way each kind is shown: in the CLI's
 * progress line, in a notebook's progress output and in the sweep's status line.
 */

/** "45s", "3m07s", "2h05m": a duration in seconds as shown in progress lines; "?" if not finite. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** Progress of a running training, for the CLI's progress line and notebook callbacks. */
export interface TrainProgress {
  phase: "train" | "eval";
  /** 1-based epoch being trained, of `epochs`. */
  epoch: number;
  epochs: number;
  /** 1-based minibatch within the epoch, of `batches`. */
  batch: number;
  batches: number;
  /** Mean training loss (nats) and tracked accuracy of the epoch so far. */
  loss: number;
  acc: number;
  lr: number;
  /** Training throughput of this session, images per second. */
  imagesPerSec: number;
  /** Estimated seconds until the last epoch ends (NaN until measurable). */
  etaSeconds: number;
}

/** "epoch 3/10  batch 45/90  loss 0.4123  acc 0.871  lr 0.05  1234 img/s  ETA 1m23s" */
export function formatTrainProgress(p: TrainProgress): string {
  if (p.phase === "eval") return `epoch ${p.epoch}/${p.epochs}  evaluating on the test split...`;
  return (
    `epoch ${p.epoch}/${p.epochs}  batch ${p.batch}/${p.batches}  loss ${p.loss.toFixed(4)}  acc ${p.acc.toFixed(3)}  ` +
    `lr ${Number(p.lr.toPrecision(3))}  ${p.imagesPerSec.toFixed(0)} img/s  ETA ${formatDuration(p.etaSeconds)}`
  );
}

export interface SweepProgress {
  runsDone: number;
  runsTotal: number;
  epochsDone: number;
  epochsTotal: number;
  /** Runs being trained now, with their epochs done. */
  running: { runId: string; budget: number; seed: number; epochsCompleted: number }[];
  elapsedSeconds: number;
  /** Remaining epochs / epochs per second so far in this sweep; NaN until an epoch is done. */
  etaSeconds: number;
}

/** "b2-s0 ... 3/5 runs, 12/20 epochs, ETA 1m20s" for a terminal line. */
export function formatSweepProgress(p: SweepProgress): string {
  const eta = Number.isFinite(p.etaSeconds) ? `ETA ${formatDuration(p.etaSeconds)}` : "ETA -";
  const running = p.running.map((r) => `${r.runId} ${r.epochsCompleted}/${r.budget}`).join(", ");
  return `runs ${p.runsDone}/${p.runsTotal}  epochs ${p.epochsDone}/${p.epochsTotal}  ${formatDuration(p.elapsedSeconds)} elapsed  ${eta}${running ? `  running: ${running}` : ""}`;
}
