/**
 * SGD with momentum, optional Nesterov momentum and weight decay, with exactly PyTorch's
 * semantics (torch.optim.SGD, dampening 0), so recipes transfer unchanged:
 *
 *   d = g + wd * p                 (weight decay added to the gradient)
 *   buf = momentum * buf + d       (buf starts at 0, so the first step gives buf = d, as in PyTorch)
 *   d' = nesterov ? d + momentum * buf : buf      (momentum 0: d' = d)
 *   p = p - lr * d'
 *
 * The momentum buffers are its only state; `getState`/`setState` move them to and from a
 * checkpoint bit for bit.
 */
import * as tf from "@tensorflow/tfjs";
import { ValueError } from "../core/errors";
import { SGD_STEP_KERNEL } from "../core/kernelNames";

export interface SgdOptions {
  /** Momentum factor in [0, 1). Default 0. */
  momentum?: number;
  /** Nesterov momentum (needs momentum > 0). Default false. */
  nesterov?: boolean;
  /** L2 weight decay added to the gradient. Default 0. */
  weightDecay?: number;
  /** Per variable: true to apply weight decay to it. Default: all true. */
  decayMask?: boolean[];
}

export class Sgd {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private readonly decayMask: boolean[];
  /** One buffer per variable, same shape; absent when momentum is 0. */
  private readonly buffers: tf.Variable[];

  constructor(
    readonly variables: tf.Variable[],
    options: SgdOptions = {},
  ) {
    this.momentum = options.momentum ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = options.weightDecay ?? 0;
    this.decayMask = options.decayMask ?? variables.map(() => true);
    if (this.decayMask.length !== variables.length) {
      throw new ValueError(`Sgd: expected decayMask of length ${variables.length} (one per variable), got ${this.decayMask.length}`);
    }
    if (this.nesterov && this.momentum <= 0) throw new ValueError(`Sgd: expected momentum > 0 with nesterov, got ${this.momentum}`);
    // tidy frees the zeros tensor; the variable keeps its own reference to the data.
    this.buffers = this.momentum > 0 ? variables.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false))) : [];
  }

  /**
   * Applies one step. `grads[i]` is the gradient of variable i (same shape).
   * @param lr learning rate of this step.
   */
  step(grads: tf.Tensor[], lr: number): void {
    if (grads.length !== this.variables.length) {
      throw new ValueError(`Sgd.step: expected ${this.variables.length} gradients, got ${grads.length}`);
    }
    if (tf.getKernel(SGD_STEP_KERNEL, tf.getBackend())) {
      // One kernel call per variable where the backend has it (oneDNN's addon under wasm), same bits.
      tf.tidy(() => {
        this.variables.forEach((p, i) => {
          const buffer = this.buffers[i] as tf.Variable | undefined;
          const attrs = { lr, momentum: this.momentum, weightDecay: this.weightDecay, nesterov: this.nesterov, decay: this.weightDecay !== 0 && this.decayMask[i] };
          const [next, nextBuffer] = tf.engine().runKernel<tf.Tensor[]>(SGD_STEP_KERNEL, buffer ? { p, grad: grads[i], buffer } : { p, grad: grads[i] }, attrs);
          if (buffer) buffer.assign(nextBuffer);
          p.assign(next);
        });
      });
      return;
    }
    tf.tidy(() => {
      const lrT = tf.scalar(lr);
      const m = tf.scalar(this.momentum);
      const wd = tf.scalar(this.weightDecay);
      this.variables.forEach((p, i) => {
        let d: tf.Tensor = grads[i];
        if (this.weightDecay !== 0 && this.decayMask[i]) d = tf.add(d, tf.mul(wd, p));
        if (this.momentum > 0) {
          const buf = this.buffers[i];
          buf.assign(tf.add(tf.mul(m, buf), d));
          d = this.nesterov ? tf.add(d, tf.mul(m, buf)) : buf;
        }
        p.assign(tf.sub(p, tf.mul(lrT, d)));
      });
    });
  }

  /** The momentum buffers as float32 copies, [nVariables][size of variable i]. */
  getState(): Float32Array[] {
    return this.buffers.map((b) => b.dataSync() as Float32Array).map((a) => Float32Array.from(a));
  }

  /** Restores buffers saved by getState (same variables, same order). */
  setState(buffers: Float32Array[]): void {
    if (buffers.length !== this.buffers.length) {
      throw new ValueError(`Sgd.setState: expected ${this.buffers.length} momentum buffers, got ${buffers.length}`);
    }
    this.buffers.forEach((b, i) => {
      if (buffers[i].length !== b.size) {
        throw new ValueError(`Sgd.setState: buffer ${i} expected ${b.size} values (shape [${b.shape}]), got ${buffers[i].length}`);
      }
      tf.tidy(() => b.assign(tf.tensor(buffers[i], b.shape, "float32")));
    });
  }

  dispose(): void {
    this.buffers.forEach((b) => b.dispose());
  }
}
