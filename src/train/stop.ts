/**
 * Stopping a run so that it can be resumed: the stop request (an AbortSignal the OS signals
 * fire), what train()/resumeRun() throw once the checkpoint is written, and the exit code of
 * a process stopped that way (a batch system's cue to requeue the task).
 */

/**
 * Exit code of `forgetting train` and of a sweep worker stopped by SIGTERM or SIGINT after
 * writing a checkpoint: "stopped, resumable, requeue me" (75 is EX_TEMPFAIL of sysexits.h).
 * A Slurm task script compares the exit code with it to call `scontrol requeue`.
 */
export const RESUMABLE_EXIT_CODE = 75;

/** The signals that stop a run with a checkpoint (Slurm sends SIGTERM before preemption or the time limit; Ctrl-C sends SIGINT). */
export const STOP_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/**
 * Work stopped by a stop signal with everything written so far kept, resumable by giving
 * `resumeCommand`: the CLI prints the message and exits RESUMABLE_EXIT_CODE.
 */
export class StoppedError extends Error {
  override name = "StoppedError";
  constructor(
    message: string,
    /** The command line that continues the work. */
    readonly resumeCommand: string,
  ) {
    super(message);
  }
}

/**
 * train()/resumeRun() stopped by their `stop` signal: the step in progress finished, a
 * checkpoint was written, and the run resumes where it stopped (resumeRun, `train --resume`).
 * The manifest keeps status "running" (no process is training it), as after a kill.
 */
export class RunStoppedError extends StoppedError {
  override name = "RunStoppedError";
  constructor(
    /** The run folder. */
    readonly runDir: string,
    /** What stopped it: the signal's abort reason, e.g. "SIGTERM". */
    readonly reason: string,
    /** Epochs whose files are written. */
    readonly epochsCompleted: number,
    /** Batches of the next epoch in the checkpoint (0: stopped at an epoch end). */
    readonly batchesDone: number,
    /** Batches per epoch. */
    readonly batches: number,
  ) {
    const where = batchesDone > 0 ? `at epoch ${epochsCompleted + 1} batch ${batchesDone}/${batches}` : `after epoch ${epochsCompleted}`;
    super(`run ${runDir} stopped by ${reason} ${where}; checkpoint written, the run is resumable`, `forgetting train --resume ${runDir}`);
  }
}

/**
 * Installs SIGTERM and SIGINT handlers that fire the returned signal (reason: the signal's
 * name). A second signal while stopping is ignored: the checkpoint is one step away, and
 * killing the process then would lose the step without corrupting anything.
 * @returns the stop signal for train()/resumeRun(), and `dispose` to remove the handlers.
 *   Once a stop fired, dispose leaves them in place: the process is on its way out, and a
 *   late second signal (Slurm signals every process of a task, and its script passes the
 *   signal on) must not kill it before it reports the stop and exits RESUMABLE_EXIT_CODE.
 */
export function stopOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handlers = STOP_SIGNALS.map((name) => {
    const handler = () => {
      if (!controller.signal.aborted) controller.abort(name);
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    dispose() {
      if (controller.signal.aborted) return;
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

/** The reason of a fired stop signal as text ("SIGTERM"; "a stop request" for a reasonless abort()). */
export function stopReason(signal: AbortSignal): string {
  return typeof signal.reason === "string" ? signal.reason : "a stop request";
}
