/**
 * Training curves from log.csv: loss and accuracy per epoch, one colour per run.
 */
import { hoverFormat } from "../core/format";
import { PALETTE, type PlotlyFigure, type PlotlyTrace, axis, baseLayout, finiteOrNull, hoverLines } from "./types";

/** One run's log.csv by column (see readLogColumns in src/runs/scan.ts). */
export interface RunLog {
  name: string;
  /** Column name -> [nEpochs] values; uses epoch, train_loss, val_loss, train_acc, acc. */
  columns: Record<string, number[]>;
}

/**
 * Two panels: loss (training solid, test dashed) and accuracy (training solid, test
 * dashed), against the epoch. Accuracy is shown in percent. One legend entry per run.
 */
export function trainingCurvesFigure(runs: readonly RunLog[], options: { title?: string } = {}): PlotlyFigure {
  const data: PlotlyTrace[] = [];
  runs.forEach((run, i) => {
    const color = PALETTE[i % PALETTE.length];
    const epochs = run.columns.epoch ?? (run.columns.acc ?? run.columns.train_loss ?? []).map((_, e) => e + 1);
    const line = (column: string, label: string, panel: 1 | 2, dash: "solid" | "dash", scale = 1): void => {
      const value = panel === 1 ? `${hoverFormat("loss", "y")} nats` : hoverFormat("percent", "y");
      const values = run.columns[column];
      if (!values || values.every((v) => !Number.isFinite(v))) return;
      // One legend entry per run (its first line); the hover names the line.
      const first = !data.some((t) => t.legendgroup === run.name);
      data.push({
        type: "scatter",
        mode: epochs.length > 30 ? "lines" : "lines+markers",
        name: run.name,
        showlegend: first,
        hovertemplate: hoverLines(`${run.name}, ${label}`, [["epoch", "%{x}"], [panel === 1 ? "loss" : "accuracy", value]]),
        legendgroup: run.name,
        x: epochs,
        y: finiteOrNull(values.map((v) => v * scale)),
        line: { color, dash },
        xaxis: panel === 1 ? "x" : "x2",
        yaxis: panel === 1 ? "y" : "y2",
      });
    };
    line("train_loss", "training loss", 1, "solid");
    line("val_loss", "test loss", 1, "dash");
    line("train_acc", "training accuracy", 2, "solid", 100);
    line("acc", "test accuracy", 2, "dash", 100);
  });
  return {
    data,
    layout: baseLayout(`${options.title ?? "Training curves"} (solid: training, dashed: test)`, {
      grid: { rows: 1, columns: 2, pattern: "independent", xgap: 0.12 },
      xaxis: axis("epoch"),
      yaxis: axis("loss (nats)"),
      xaxis2: axis("epoch"),
      yaxis2: axis("accuracy (%)"),
      height: 400,
    }),
  };
}
