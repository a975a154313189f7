/**
 * Names of the project's own tfjs kernels, shared by the layer that calls one (src/models) and
 * the backend that registers it (src/backend). A layer uses a kernel only where the active
 * backend registered it (tf.getKernel), and its portable composition of stock ops elsewhere.
 */

/**
 * Training-mode batch norm of x [rows, C] with gamma, beta [C] (attrs epsilon, and relu: a
 * relu applied to the output): outputs y [rows, C], the batch mean [C], the biased batch
 * variance [C] and, with relu, an opaque workspace its gradient needs.
 */
export const BATCH_NORM_TRAINING_KERNEL = "ForgettingBatchNormTraining";

/**
 * Its gradient, from x [rows, C], dy [rows, C], mean, variance, gamma [C] and, with relu, the
 * workspace (attrs as the forward's): outputs dx [rows, C], dGamma [C], dBeta [C].
 */
export const BATCH_NORM_TRAINING_GRAD_KERNEL = "ForgettingBatchNormTrainingGrad";

/**
 * One SGD update of a variable p with its gradient grad and, with momentum > 0, its momentum
 * buffer (attrs lr, momentum, weightDecay, nesterov, decay): outputs the new p and, with
 * momentum, the new buffer, bit-identical to src/train/sgd.ts's composition of tfjs ops.
 */
export const SGD_STEP_KERNEL = "ForgettingSgdStep";

/** Relu's gradient at its input x [any shape] from dy [same shape]: output dx = dy * step(x) (dy where x > 0, else a zero with dy's sign). */
export const RELU_GRAD_KERNEL = "ForgettingReluGrad";

/** relu(a + b) of a and b of the same shape (a residual block's end): output y [same shape]. */
export const ADD_RELU_KERNEL = "ForgettingAddRelu";

/**
 * The option-A shortcut of the CIFAR ResNets (attrs strides, before, after): x [n, h, w, c] ->
 * y [n, ceil(h / strides), ceil(w / strides), before + c + after], x at every strides-th row and
 * column with zero channels before and after its own.
 */
export const SUBSAMPLE_PAD_KERNEL = "ForgettingSubsamplePad";

/** Its gradient: dy [n, oh, ow, before + c + after] -> dx [n, h, w, c] (attrs as the forward's, and inputShape). */
export const SUBSAMPLE_PAD_GRAD_KERNEL = "ForgettingSubsamplePadGrad";

/**
 * Mean softmax cross-entropy of logits [rows, classes] (float32) against labels [rows] (int32):
 * outputs the loss [] in nats and the softmax probabilities [rows, classes] its gradient takes.
 */
export const CROSS_ENTROPY_KERNEL = "ForgettingCrossEntropy";

/** Its gradient from probs [rows, classes], labels [rows] and dy []: dlogits [rows, classes] = dy / rows * (probs - one-hot labels). */
export const CROSS_ENTROPY_GRAD_KERNEL = "ForgettingCrossEntropyGrad";
