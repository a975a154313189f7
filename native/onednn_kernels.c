/*
 * oneDNN (libdnnl 2.x) training kernels for tfjs' wasm backend (src/backend/onednn.ts).
 *
 * The tensors stay where the wasm backend keeps them: every call takes the wasm memory's
 * ArrayBuffer and byte offsets into it, and oneDNN reads and writes that memory in place.
 * Activations are NHWC (tfjs' layout, oneDNN tag nhwc), filters HWIO (tag hwio); oneDNN picks
 * its own filter layout (format "any") and a cached reorder converts to and from it.
 *
 * Creating a oneDNN primitive costs milliseconds, so each one is made once per geometry and
 * thread count and kept in a plan cache; a call then only points the plan's memory objects at
 * the buffer and executes. Calls are synchronous on the JavaScript thread; oneDNN spreads each
 * one over the OpenMP threads set by setThreads().
 *
 * The kernels oneDNN has no primitive for here (max pool with tfjs' gradient, relu's gradient,
 * element-wise sums, the option-A shortcut, the loss, the SGD step) are plain C loops over the
 * same buffer and the same OpenMP threads, each split so that no result depends on the thread count.
 */
#include <node_api.h>
#include <math.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEY 24
#define MAX_USER 10
#define MAX_ARGS 12

enum op_kind { OP_CONV_FWD = 1, OP_CONV_BWD_DATA, OP_CONV_BWD_WEIGHTS, OP_MATMUL, OP_BN_FWD, OP_BN_BWD };

/* One cached primitive with the memory objects its arguments are bound to. */
typedef struct plan {
  int key[MAX_KEY];
  dnnl_primitive_t primitive;
  int n_args;
  dnnl_exec_arg_t args[MAX_ARGS];
  /* user[i] is bound to the i-th byte offset of the call (NULL: the caller passed none). */
  int n_user;
  dnnl_memory_t user[MAX_USER];
  /* Optional filter reorder: before the primitive (user -> oneDNN layout) or after it (back). */
  dnnl_primitive_t reorder;
  dnnl_memory_t reorder_src, reorder_dst;
  int reorder_after;
  char impl[64];
  /* Batch norm with relu: bytes of the workspace (the relu mask) forward writes and backward reads. */
  size_t workspace_bytes;
  struct plan *next;
} plan;

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static plan *plans;
static int threads = 1;
static char last_error[256];

#define TRY(call)                                                                          \
  do {                                                                                     \
    dnnl_status_t status_ = (call);                                                        \
    if (status_ != dnnl_success) {                                                         \
      snprintf(last_error, sizeof last_error, "%s failed with oneDNN status %d", #call, status_); \
      goto fail;                                                                           \
    }                                                                                      \
  } while (0)

static plan *find_plan(const int *key) {
  for (plan *p = plans; p; p = p->next)
    if (memcmp(p->key, key, sizeof p->key) == 0) return p;
  return NULL;
}

/* A memory object without data: the call binds it to the buffer. */
static dnnl_status_t user_memory(plan *p, const dnnl_memory_desc_t *md) {
  if (p->n_user == MAX_USER) return dnnl_out_of_memory;
  dnnl_memory_t m;
  dnnl_status_t s = dnnl_memory_create(&m, md, engine, DNNL_MEMORY_NONE);
  if (s == dnnl_success) p->user[p->n_user++] = m;
  return s;
}

static void add_arg(plan *p, int arg, dnnl_memory_t m) {
  p->args[p->n_args].arg = arg;
  p->args[p->n_args].memory = m;
  p->n_args++;
}

static void record_impl(plan *p, const_dnnl_primitive_desc_t pd) {
  const char *impl = NULL;
  dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
  snprintf(p->impl, sizeof p->impl, "%s", impl ? impl : "?");
}

/*
 * Binds the filter argument `arg` of the primitive: straight to user memory `user_md` when the
 * primitive's layout `inner_md` is the same, otherwise through a library-owned buffer and a
 * reorder run before (after = 0) or after (after = 1) the primitive.
 */
static dnnl_status_t bind_filter(plan *p, int arg, const dnnl_memory_desc_t *user_md, const dnnl_memory_desc_t *inner_md, int after) {
  dnnl_status_t s = user_memory(p, user_md);
  if (s != dnnl_success) return s;
  dnnl_memory_t user = p->user[p->n_user - 1];
  if (dnnl_memory_desc_equal(user_md, inner_md)) {
    add_arg(p, arg, user);
    return dnnl_success;
  }
  dnnl_memory_t inner;
  s = dnnl_memory_create(&inner, inner_md, engine, DNNL_MEMORY_ALLOCATE);
  if (s != dnnl_success) return s;
  dnnl_primitive_desc_t rpd;
  s = after ? dnnl_reorder_primitive_desc_create(&rpd, inner_md, engine, user_md, engine, NULL)
            : dnnl_reorder_primitive_desc_create(&rpd, user_md, engine, inner_md, engine, NULL);
  if (s != dnnl_success) return s;
  s = dnnl_primitive_create(&p->reorder, rpd);
  dnnl_primitive_desc_destroy(rpd);
  if (s != dnnl_success) return s;
  p->reorder_src = after ? inner : user;
  p->reorder_dst = after ? user : inner;
  p->reorder_after = after;
  add_arg(p, arg, inner);
  return dnnl_success;
}

static dnnl_status_t run_reorder(plan *p) {
  dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, p->reorder_src}, {DNNL_ARG_TO, p->reorder_dst}};
  return dnnl_primitive_execute(p->reorder, stream, 2, args);
}

/* Points the plan's user memories at `data` and runs it. */
static int run_plan(plan *p, char *const *data) {
  for (int i = 0; i < p->n_user; i++) TRY(dnnl_memory_set_data_handle(p->user[i], data[i]));
  if (p->reorder && !p->reorder_after) TRY(run_reorder(p));
  TRY(dnnl_primitive_execute(p->primitive, stream, p->n_args, p->args));
  if (p->reorder && p->reorder_after) TRY(run_reorder(p));
  TRY(dnnl_stream_wait(stream));
  return 1;
fail:
  return 0;
}

/* Runs the plan on base + offsets[i]. */
static int execute(plan *p, char *base, const int64_t *offsets) {
  char *data[MAX_USER];
  for (int i = 0; i < p->n_user; i++) data[i] = base + offsets[i];
  return run_plan(p, data);
}

/* ---- convolution: key fields after the op kind ---- */
typedef struct {
  int n, h, w, c, kh, kw, o, oh, ow, sh, sw, pt, pl, pb, pr, bias, relu;
} conv_geometry;

static void conv_descs(const conv_geometry *g, dnnl_memory_desc_t *x, dnnl_memory_desc_t *w_user, dnnl_memory_desc_t *w_any, dnnl_memory_desc_t *b, dnnl_memory_desc_t *y) {
  dnnl_dims_t xd = {g->n, g->c, g->h, g->w}, wd = {g->o, g->c, g->kh, g->kw}, bd = {g->o}, yd = {g->n, g->o, g->oh, g->ow};
  dnnl_memory_desc_init_by_tag(x, 4, xd, dnnl_f32, dnnl_nhwc);
  dnnl_memory_desc_init_by_tag(w_user, 4, wd, dnnl_f32, dnnl_hwio);
  dnnl_memory_desc_init_by_tag(w_any, 4, wd, dnnl_f32, dnnl_format_tag_any);
  dnnl_memory_desc_init_by_tag(b, 1, bd, dnnl_f32, dnnl_a);
  dnnl_memory_desc_init_by_tag(y, 4, yd, dnnl_f32, dnnl_nhwc);
}

static dnnl_status_t conv_forward_desc(const conv_geometry *g, dnnl_prop_kind_t prop, dnnl_convolution_desc_t *desc) {
  dnnl_memory_desc_t x, w_user, w_any, b, y;
  conv_descs(g, &x, &w_user, &w_any, &b, &y);
  dnnl_dims_t strides = {g->sh, g->sw}, pad_l = {g->pt, g->pl}, pad_r = {g->pb, g->pr};
  return dnnl_convolution_forward_desc_init(desc, prop, dnnl_convolution_direct, &x, &w_any, g->bias ? &b : NULL, &y, strides, pad_l, pad_r);
}

static plan *new_plan(const int *key) {
  plan *p = calloc(1, sizeof *p);
  memcpy(p->key, key, sizeof p->key);
  return p;
}

static void keep_plan(plan *p) {
  p->next = plans;
  plans = p;
}

static plan *conv_plan(int kind, const conv_geometry *g) {
  int key[MAX_KEY] = {kind, threads};
  memcpy(key + 2, g, sizeof *g);
  plan *p = find_plan(key);
  if (p) return p;
  p = new_plan(key);
  dnnl_memory_desc_t x, w_user, w_any, b, y;
  conv_descs(g, &x, &w_user, &w_any, &b, &y);
  dnnl_dims_t strides = {g->sh, g->sw}, pad_l = {g->pt, g->pl}, pad_r = {g->pb, g->pr};
  dnnl_primitive_desc_t pd = NULL, hint = NULL;
  dnnl_primitive_attr_t attr = NULL;
  dnnl_post_ops_t ops = NULL;
  dnnl_convolution_desc_t desc;
  if (kind == OP_CONV_FWD) {
    TRY(conv_forward_desc(g, dnnl_forward_training, &desc));
    TRY(dnnl_primitive_attr_create(&attr));
    if (g->relu) {
      TRY(dnnl_post_ops_create(&ops));
      TRY(dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f));
      TRY(dnnl_primitive_attr_set_post_ops(attr, ops));
    }
    TRY(dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL));
    /* Offsets: x, w, [b], y. */
    TRY(user_memory(p, &x));
    add_arg(p, DNNL_ARG_SRC, p->user[0]);
    TRY(bind_filter(p, DNNL_ARG_WEIGHTS, &w_user, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), 0));
    if (g->bias) {
      TRY(user_memory(p, &b));
      add_arg(p, DNNL_ARG_BIAS, p->user[p->n_user - 1]);
    }
    TRY(user_memory(p, &y));
    add_arg(p, DNNL_ARG_DST, p->user[p->n_user - 1]);
  } else {
    conv_geometry fwd = *g;
    fwd.relu = 0;
    dnnl_convolution_desc_t fdesc;
    TRY(conv_forward_desc(&fwd, dnnl_forward_training, &fdesc));
    TRY(dnnl_primitive_desc_create(&hint, &fdesc, NULL, engine, NULL));
    if (kind == OP_CONV_BWD_DATA) {
      TRY(dnnl_convolution_backward_data_desc_init(&desc, dnnl_convolution_direct, &x, &w_any, &y, strides, pad_l, pad_r));
      TRY(dnnl_primitive_desc_create(&pd, &desc, NULL, engine, hint));
      /* Offsets: dy, w, dx. */
      TRY(user_memory(p, &y));
      add_arg(p, DNNL_ARG_DIFF_DST, p->user[0]);
      TRY(bind_filter(p, DNNL_ARG_WEIGHTS, &w_user, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), 0));
      TRY(user_memory(p, &x));
      add_arg(p, DNNL_ARG_DIFF_SRC, p->user[2]);
    } else {
      TRY(dnnl_convolution_backward_weights_desc_init(&desc, dnnl_convolution_direct, &x, &w_any, g->bias ? &b : NULL, &y, strides, pad_l, pad_r));
      TRY(dnnl_primitive_desc_create(&pd, &desc, NULL, engine, hint));
      /* Offsets: x, dy, dw, [db]. */
      TRY(user_memory(p, &x));
      add_arg(p, DNNL_ARG_SRC, p->user[0]);
      TRY(user_memory(p, &y));
      add_arg(p, DNNL_ARG_DIFF_DST, p->user[1]);
      TRY(bind_filter(p, DNNL_ARG_DIFF_WEIGHTS, &w_user, dnnl_primitive_desc_query_md(pd, dnnl_query_diff_weights_md, 0), 1));
      if (g->bias) {
        TRY(user_memory(p, &b));
        add_arg(p, DNNL_ARG_DIFF_BIAS, p->user[3]);
      }
    }
  }
  TRY(dnnl_primitive_create(&p->primitive, pd));
  record_impl(p, pd);
  dnnl_primitive_desc_destroy(pd);
  if (hint) dnnl_primitive_desc_destroy(hint);
  if (attr) dnnl_primitive_attr_destroy(attr);
  if (ops) dnnl_post_ops_destroy(ops);
  keep_plan(p);
  return p;
fail:
  if (pd) dnnl_primitive_desc_destroy(pd);
  if (hint) dnnl_primitive_desc_destroy(hint);
  if (attr) dnnl_primitive_attr_destroy(attr);
  if (ops) dnnl_post_ops_destroy(ops);
  free(p); /* memory objects of a failed plan leak: plan creation fails once per geometry at most */
  return NULL;
}

/* ---- matmul [M, K] x [K, N] (+ bias [N]) (relu), operands optionally transposed ---- */
static plan *matmul_plan(int m, int k, int n, int trans_a, int trans_b, int bias, int relu) {
  int key[MAX_KEY] = {OP_MATMUL, threads, m, k, n, trans_a, trans_b, bias, relu};
  plan *p = find_plan(key);
  if (p) return p;
  p = new_plan(key);
  dnnl_primitive_desc_t pd = NULL;
  dnnl_primitive_attr_t attr = NULL;
  dnnl_post_ops_t ops = NULL;
  dnnl_memory_desc_t a, b, c, bias_md;
  dnnl_dims_t ad = {m, k}, bd = {k, n}, cd = {m, n}, biasd = {1, n};
  dnnl_dims_t as = {trans_a ? 1 : k, trans_a ? m : 1}, bs = {trans_b ? 1 : n, trans_b ? k : 1}, cs = {n, 1};
  TRY(dnnl_memory_desc_init_by_strides(&a, 2, ad, dnnl_f32, as));
  TRY(dnnl_memory_desc_init_by_strides(&b, 2, bd, dnnl_f32, bs));
  TRY(dnnl_memory_desc_init_by_strides(&c, 2, cd, dnnl_f32, cs));
  TRY(dnnl_memory_desc_init_by_tag(&bias_md, 2, biasd, dnnl_f32, dnnl_ab));
  dnnl_matmul_desc_t desc;
  TRY(dnnl_matmul_desc_init(&desc, &a, &b, bias ? &bias_md : NULL, &c));
  TRY(dnnl_primitive_attr_create(&attr));
  if (relu) {
    TRY(dnnl_post_ops_create(&ops));
    TRY(dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f));
    TRY(dnnl_primitive_attr_set_post_ops(attr, ops));
  }
  TRY(dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL));
  /* Offsets: a, b, [bias], c. */
  TRY(user_memory(p, &a));
  add_arg(p, DNNL_ARG_SRC, p->user[0]);
  TRY(user_memory(p, &b));
  add_arg(p, DNNL_ARG_WEIGHTS, p->user[1]);
  if (bias) {
    TRY(user_memory(p, &bias_md));
    add_arg(p, DNNL_ARG_BIAS, p->user[2]);
  }
  TRY(user_memory(p, &c));
  add_arg(p, DNNL_ARG_DST, p->user[p->n_user - 1]);
  TRY(dnnl_primitive_create(&p->primitive, pd));
  record_impl(p, pd);
  dnnl_primitive_desc_destroy(pd);
  dnnl_primitive_attr_destroy(attr);
  if (ops) dnnl_post_ops_destroy(ops);
  keep_plan(p);
  return p;
fail:
  if (pd) dnnl_primitive_desc_destroy(pd);
  if (attr) dnnl_primitive_attr_destroy(attr);
  if (ops) dnnl_post_ops_destroy(ops);
  free(p);
  return NULL;
}

/* ---- batch normalization over the rows of [rows, C] with batch statistics ---- */
static plan *batch_norm_plan(int kind, int rows, int channels, float epsilon, int relu) {
  int eps_bits;
  memcpy(&eps_bits, &epsilon, sizeof eps_bits);
  int key[MAX_KEY] = {kind, threads, rows, channels, eps_bits, relu};
  plan *p = find_plan(key);
  if (p) return p;
  p = new_plan(key);
  dnnl_primitive_desc_t pd = NULL, hint = NULL;
  dnnl_memory_desc_t data, stat;
  /* [rows, C] as NHWC [1, C, rows, 1]: oneDNN's jit kernels take NHWC; plain "nc" got a slow generic one. */
  dnnl_dims_t dd = {1, channels, rows, 1}, sd = {channels};
  TRY(dnnl_memory_desc_init_by_tag(&data, 4, dd, dnnl_f32, dnnl_nhwc));
  TRY(dnnl_memory_desc_init_by_tag(&stat, 1, sd, dnnl_f32, dnnl_a));
  /* With relu, oneDNN applies it to the output and keeps a mask (the workspace) for the gradient. */
  unsigned flags = dnnl_use_scale | dnnl_use_shift | (relu ? dnnl_fuse_norm_relu : 0);
  dnnl_batch_normalization_desc_t fdesc;
  TRY(dnnl_batch_normalization_forward_desc_init(&fdesc, dnnl_forward_training, &data, epsilon, flags));
  if (kind == OP_BN_FWD) {
    TRY(dnnl_primitive_desc_create(&pd, &fdesc, NULL, engine, NULL));
    /* Offsets: x, gamma, beta, y, mean, variance. */
    int args[6] = {DNNL_ARG_SRC, DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_DST, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE};
    for (int i = 0; i < 6; i++) {
      TRY(user_memory(p, i == 0 || i == 3 ? &data : &stat));
      add_arg(p, args[i], p->user[i]);
    }
    if (relu) {
      /* Offset 7: the workspace. */
      const dnnl_memory_desc_t *ws = dnnl_primitive_desc_query_md(pd, dnnl_query_workspace_md, 0);
      TRY(user_memory(p, ws));
      add_arg(p, DNNL_ARG_WORKSPACE, p->user[6]);
      p->workspace_bytes = dnnl_memory_desc_get_size(ws);
    }
  } else {
    TRY(dnnl_primitive_desc_create(&hint, &fdesc, NULL, engine, NULL));
    dnnl_batch_normalization_desc_t desc;
    TRY(dnnl_batch_normalization_backward_desc_init(&desc, dnnl_backward, &data, &data, epsilon, flags));
    TRY(dnnl_primitive_desc_create(&pd, &desc, NULL, engine, hint));
    /* Offsets: x, dy, mean, variance, gamma, dx, dgamma, dbeta. */
    int args[8] = {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_SCALE, DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE, DNNL_ARG_DIFF_SHIFT};
    for (int i = 0; i < 8; i++) {
      TRY(user_memory(p, i == 0 || i == 1 || i == 5 ? &data : &stat));
      add_arg(p, args[i], p->user[i]);
    }
    /* oneDNN 2.6 asks for the shift with use_shift though dx does not depend on it: any [C] memory does. */
    add_arg(p, DNNL_ARG_SHIFT, p->user[4]);
    if (relu) {
      /* Offset 9: the forward's workspace; dy is then the gradient of the relu's output. */
      TRY(user_memory(p, dnnl_primitive_desc_query_md(pd, dnnl_query_workspace_md, 0)));
      add_arg(p, DNNL_ARG_WORKSPACE, p->user[8]);
    }
  }
  TRY(dnnl_primitive_create(&p->primitive, pd));
  record_impl(p, pd);
  dnnl_primitive_desc_destroy(pd);
  if (hint) dnnl_primitive_desc_destroy(hint);
  keep_plan(p);
  return p;
fail:
  if (pd) dnnl_primitive_desc_destroy(pd);
  if (hint) dnnl_primitive_desc_destroy(hint);
  free(p);
  return NULL;
}

/* ---- N-API glue ---- */

#define MAX_NAPI_ARGS 24

static int read_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, char **base) {
  size_t argc = MAX_NAPI_ARGS;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "onednn_kernels: wrong number of arguments");
    return 0;
  }
  void *data;
  size_t length;
  if (napi_get_arraybuffer_info(env, argv[0], &data, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "onednn_kernels: the first argument must be the wasm memory's ArrayBuffer");
    return 0;
  }
  *base = data;
  return 1;
}

/*
 * Opens a kernel call: reads `want` arguments into argv (the first is the wasm memory's
 * ArrayBuffer, whose data starts at `base`), or throws a TypeError and returns from the caller.
 */
#define KERNEL_CALL(want)       \
  napi_value argv[MAX_NAPI_ARGS]; \
  char *base;                     \
  if (!read_args(env, info, want, argv, &base)) return NULL

static int64_t int_arg(napi_env env, napi_value v) {
  int64_t out = 0;
  napi_get_value_int64(env, v, &out);
  return out;
}

static napi_value boolean(napi_env env, int value) {
  napi_value out;
  napi_get_boolean(env, value, &out);
  return out;
}

/* The 15 geometry arguments n .. pr; bias and relu are set by the caller. */
static void read_conv(napi_env env, napi_value *argv, conv_geometry *g) {
  int *fields = (int *)g;
  for (int i = 0; i < 15; i++) fields[i] = (int)int_arg(env, argv[i]);
}

/* conv2dForward(buffer, x, w, b, y, n, h, w, c, kh, kw, o, oh, ow, sh, sw, pt, pl, pb, pr, relu); b < 0: no bias. */
static napi_value conv2d_forward(napi_env env, napi_callback_info info) {
  KERNEL_CALL(21);
  int64_t off[4] = {int_arg(env, argv[1]), int_arg(env, argv[2]), int_arg(env, argv[3]), int_arg(env, argv[4])};
  conv_geometry g;
  read_conv(env, argv + 5, &g);
  g.relu = (int)int_arg(env, argv[20]);
  g.bias = off[2] >= 0;
  plan *p = conv_plan(OP_CONV_FWD, &g);
  if (!p) return boolean(env, 0);
  int64_t bound[4] = {off[0], off[1], off[2], off[3]};
  if (!g.bias) bound[2] = off[3];
  return boolean(env, execute(p, base, bound));
}

/* conv2dBackwardData(buffer, dy, w, dx, n, h, w, c, kh, kw, o, oh, ow, sh, sw, pt, pl, pb, pr). */
static napi_value conv2d_backward_data(napi_env env, napi_callback_info info) {
  KERNEL_CALL(19);
  int64_t off[3] = {int_arg(env, argv[1]), int_arg(env, argv[2]), int_arg(env, argv[3])};
  conv_geometry g;
  read_conv(env, argv + 4, &g);
  g.bias = 0;
  g.relu = 0;
  plan *p = conv_plan(OP_CONV_BWD_DATA, &g);
  return boolean(env, p && execute(p, base, off));
}

/*
 * The filter gradient of a strided 1x1 convolution as the unstrided one of the subsampled
 * input: oneDNN 2.6's jit_1x1 backward-weights kernel (its "reduce to unit stride" path) gave
 * wrong sums for input channels beyond the last full block of 8 (3 channels, stride 2).
 */
static float *subsampled;
static size_t subsampled_size;

static int strided_1x1_weights(char *base, const int64_t *off, const conv_geometry *g) {
  size_t pixel = (size_t)g->c;
  size_t need = (size_t)g->n * g->oh * g->ow * pixel;
  if (need > subsampled_size) {
    free(subsampled);
    subsampled = malloc(need * sizeof(float));
    subsampled_size = subsampled ? need : 0;
    if (!subsampled) {
      snprintf(last_error, sizeof last_error, "out of memory for a %zu-float subsampled input", need);
      return 0;
    }
  }
  const float *x = (const float *)(base + off[0]);
  float *to = subsampled;
  for (int b = 0; b < g->n; b++)
    for (int r = 0; r < g->oh; r++)
      for (int s = 0; s < g->ow; s++, to += pixel) memcpy(to, x + (((size_t)b * g->h + (size_t)r * g->sh) * g->w + (size_t)s * g->sw) * pixel, pixel * sizeof(float));
  conv_geometry unit = *g;
  unit.h = g->oh;
  unit.w = g->ow;
  unit.sh = unit.sw = 1;
  unit.pb = unit.pr = 0;
  plan *p = conv_plan(OP_CONV_BWD_WEIGHTS, &unit);
  if (!p) return 0;
  char *data[MAX_USER] = {(char *)subsampled, base + off[1], base + off[2], base + off[3]};
  return run_plan(p, data);
}

/* conv2dBackwardWeights(buffer, x, dy, dw, db, n, h, w, c, kh, kw, o, oh, ow, sh, sw, pt, pl, pb, pr); db < 0: no bias. */
static napi_value conv2d_backward_weights(napi_env env, napi_callback_info info) {
  KERNEL_CALL(20);
  int64_t off[4] = {int_arg(env, argv[1]), int_arg(env, argv[2]), int_arg(env, argv[3]), int_arg(env, argv[4])};
  conv_geometry g;
  read_conv(env, argv + 5, &g);
  g.bias = off[3] >= 0;
  g.relu = 0;
  if (g.kh == 1 && g.kw == 1 && (g.sh > 1 || g.sw > 1) && g.pt == 0 && g.pl == 0) return boolean(env, strided_1x1_weights(base, off, &g));
  plan *p = conv_plan(OP_CONV_BWD_WEIGHTS, &g);
  return boolean(env, p && execute(p, base, off));
}

/* matmul(buffer, a, b, bias, c, m, k, n, transA, transB, relu); bias < 0: none. */
static napi_value matmul(napi_env env, napi_callback_info info) {
  KERNEL_CALL(11);
  int64_t off[4] = {int_arg(env, argv[1]), int_arg(env, argv[2]), int_arg(env, argv[3]), int_arg(env, argv[4])};
  int bias = off[2] >= 0;
  plan *p = matmul_plan((int)int_arg(env, argv[5]), (int)int_arg(env, argv[6]), (int)int_arg(env, argv[7]), (int)int_arg(env, argv[8]),
                        (int)int_arg(env, argv[9]), bias, (int)int_arg(env, argv[10]));
  if (!p) return boolean(env, 0);
  if (!bias) off[2] = off[3];
  return boolean(env, execute(p, base, off));
}

/* Float pointer at byte offset `off` of the buffer, NULL for a negative offset. */
static float *at(char *base, int64_t off) { return off >= 0 ? (float *)(base + off) : NULL; }

static float float_arg(napi_env env, napi_value v) {
  double out = 0;
  napi_get_value_double(env, v, &out);
  return (float)out;
}

/* batchNormForward(buffer, x, gamma, beta, y, mean, variance, workspace, rows, channels, epsilon, relu); workspace < 0 without relu. */
static napi_value batch_norm_forward(napi_env env, napi_callback_info info) {
  KERNEL_CALL(12);
  int64_t off[7];
  for (int i = 0; i < 7; i++) off[i] = int_arg(env, argv[1 + i]);
  plan *p = batch_norm_plan(OP_BN_FWD, (int)int_arg(env, argv[8]), (int)int_arg(env, argv[9]), float_arg(env, argv[10]), (int)int_arg(env, argv[11]));
  return boolean(env, p && execute(p, base, off));
}

/* batchNormWorkspaceBytes(rows, channels, epsilon): bytes of batch norm + relu's workspace (-1 if oneDNN refuses). */
static napi_value batch_norm_workspace_bytes(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  plan *p = argc == 3 ? batch_norm_plan(OP_BN_FWD, (int)int_arg(env, argv[0]), (int)int_arg(env, argv[1]), float_arg(env, argv[2]), 1) : NULL;
  napi_value out;
  napi_create_int64(env, p ? (int64_t)p->workspace_bytes : -1, &out);
  return out;
}

/* batchNormBackward(buffer, x, dy, mean, variance, gamma, dx, dgamma, dbeta, workspace, rows, channels, epsilon, relu). */
static napi_value batch_norm_backward(napi_env env, napi_callback_info info) {
  KERNEL_CALL(14);
  int64_t off[9];
  for (int i = 0; i < 9; i++) off[i] = int_arg(env, argv[1 + i]);
  plan *p = batch_norm_plan(OP_BN_BWD, (int)int_arg(env, argv[10]), (int)int_arg(env, argv[11]), float_arg(env, argv[12]), (int)int_arg(env, argv[13]));
  return boolean(env, p && execute(p, base, off));
}

/*
 * sgdStep(buffer, p, grad, momentumBuffer, pOut, bufferOut, n, lr, momentum, weightDecay, nesterov):
 * one SGD update of n floats with PyTorch's semantics, in the order of src/train/sgd.ts's
 * composition of tfjs ops, each operation rounded to float (no contraction into FMAs), so the
 * result is bit-identical to it: d = g (+ wd * p); buf' = m * buf + d; d = nesterov ? d + m * buf' : buf';
 * p' = p - lr * d. momentumBuffer and bufferOut < 0 without momentum.
 */
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
static napi_value sgd_step(napi_env env, napi_callback_info info) {
  KERNEL_CALL(12);
  int64_t off[5];
  for (int i = 0; i < 5; i++) off[i] = int_arg(env, argv[1 + i]);
  int64_t n = int_arg(env, argv[6]);
  const float lr = float_arg(env, argv[7]), m = float_arg(env, argv[8]), wd = float_arg(env, argv[9]);
  const int nesterov = (int)int_arg(env, argv[10]), decay = (int)int_arg(env, argv[11]);
  const float *p = at(base, off[0]), *g = at(base, off[1]), *buf = at(base, off[2]);
  float *p_out = at(base, off[3]), *buf_out = at(base, off[4]);
#pragma omp parallel for schedule(static) if (n >= 65536)
  for (int64_t i = 0; i < n; i++) {
    float d = g[i];
    if (decay) {
      float decayed = wd * p[i];
      d = d + decayed;
    }
    if (buf) {
      float kept = m * buf[i];
      float b = kept + d;
      buf_out[i] = b;
      if (nesterov) {
        float ahead = m * b;
        d = d + ahead;
      } else {
        d = b;
      }
    }
    float step = lr * d;
    p_out[i] = p[i] - step;
  }
  return boolean(env, 1);
}
#pragma GCC pop_options

/* ---- element-wise and max-pool loops: plain C over the same OpenMP threads ---- */

/* Below this many floats a loop runs on the calling thread: waking the team costs more. */
#define PARALLEL_FLOATS 32768

/* Element-wise operations of two float arrays of one length (see binary()). */
enum binary_op { BINARY_ADD = 0, BINARY_ADD_RELU = 1, BINARY_RELU_GRAD = 2 };

/*
 * binary(buffer, op, a, b, y, n) over n floats: BINARY_ADD y = a + b; BINARY_ADD_RELU
 * y = relu(a + b) (a residual block's end); BINARY_RELU_GRAD y = a * (b > 0 ? 1 : 0), the
 * gradient dy = a of relu at its input x = b, as tfjs composes it (mul, step).
 */
static napi_value binary(napi_env env, napi_callback_info info) {
  KERNEL_CALL(6);
  const int op = (int)int_arg(env, argv[1]);
  const float *a = at(base, int_arg(env, argv[2])), *b = at(base, int_arg(env, argv[3]));
  float *y = at(base, int_arg(env, argv[4]));
  const int64_t n = int_arg(env, argv[5]);
  switch (op) {
    case BINARY_ADD:
#pragma omp parallel for schedule(static) if (n >= PARALLEL_FLOATS)
      for (int64_t i = 0; i < n; i++) y[i] = a[i] + b[i];
      break;
    case BINARY_ADD_RELU:
#pragma omp parallel for schedule(static) if (n >= PARALLEL_FLOATS)
      for (int64_t i = 0; i < n; i++) {
        float sum = a[i] + b[i];
        y[i] = sum < 0 ? 0 : sum;
      }
      break;
    case BINARY_RELU_GRAD:
#pragma omp parallel for schedule(static) if (n >= PARALLEL_FLOATS)
      for (int64_t i = 0; i < n; i++) y[i] = a[i] * (b[i] > 0 ? 1.0f : 0.0f);
      break;
    default:
      return boolean(env, 0);
  }
  return boolean(env, 1);
}

/* relu(buffer, x, y, n): y = max(x, 0) over n floats (tfjs' relu: x < 0 ? 0 : x). */
static napi_value relu(napi_env env, napi_callback_info info) {
  KERNEL_CALL(4);
  const float *x = at(base, int_arg(env, argv[1]));
  float *y = at(base, int_arg(env, argv[2]));
  int64_t n = int_arg(env, argv[3]);
#pragma omp parallel for schedule(static) if (n >= PARALLEL_FLOATS)
  for (int64_t i = 0; i < n; i++) y[i] = x[i] < 0 ? 0 : x[i];
  return boolean(env, 1);
}

/*
 * subsamplePad(buffer, x, y, n, h, w, c, stride, before, after, grad): the option-A shortcut of
 * the CIFAR ResNets, y [n, oh, ow, before + c + after] = x [n, h, w, c] at every stride-th row
 * and column with zero channels around (oh = ceil(h / stride)). With grad = 1 it runs backward:
 * x is dy [n, oh, ow, before + c + after] and y is dx [n, h, w, c], zero off the sampled pixels.
 */
static napi_value subsample_pad(napi_env env, napi_callback_info info) {
  KERNEL_CALL(11);
  const float *src = at(base, int_arg(env, argv[1]));
  float *dst = at(base, int_arg(env, argv[2]));
  const int n = (int)int_arg(env, argv[3]), h = (int)int_arg(env, argv[4]), w = (int)int_arg(env, argv[5]), c = (int)int_arg(env, argv[6]);
  const int stride = (int)int_arg(env, argv[7]), before = (int)int_arg(env, argv[8]), after = (int)int_arg(env, argv[9]), grad = (int)int_arg(env, argv[10]);
  const int oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride, oc = before + c + after;
  const int64_t in_image = (int64_t)h * w * c, out_image = (int64_t)oh * ow * oc;
#pragma omp parallel for schedule(static) if ((int64_t)n * in_image >= PARALLEL_FLOATS)
  for (int b = 0; b < n; b++) {
    if (grad) memset(dst + b * in_image, 0, in_image * sizeof(float));
    for (int r = 0; r < oh; r++)
      for (int s = 0; s < ow; s++) {
        const int64_t narrow = b * in_image + ((int64_t)r * stride * w + (int64_t)s * stride) * c;
        const int64_t wide = b * out_image + ((int64_t)r * ow + s) * oc;
        if (grad) {
          memcpy(dst + narrow, src + wide + before, c * sizeof(float));
        } else {
          memset(dst + wide, 0, before * sizeof(float));
          memcpy(dst + wide + before, src + narrow, c * sizeof(float));
          memset(dst + wide + before + c, 0, after * sizeof(float));
        }
      }
  }
  return boolean(env, 1);
}

/*
 * crossEntropy(buffer, logits, labels, loss, probs, rows, classes): the mean over rows of
 * -log softmax(logits[r])[labels[r]] into loss (one float) and each row's softmax into probs
 * [rows, classes], for the gradient; false (and nothing written) if a label is not a class
 * index. Row sums in double, rows summed in order: no dependence on the thread count.
 */
static napi_value cross_entropy(napi_env env, napi_callback_info info) {
  KERNEL_CALL(7);
  const float *logits = at(base, int_arg(env, argv[1]));
  const int32_t *labels = (const int32_t *)(base + int_arg(env, argv[2]));
  float *loss = at(base, int_arg(env, argv[3])), *probs = at(base, int_arg(env, argv[4]));
  const int64_t rows = int_arg(env, argv[5]), classes = int_arg(env, argv[6]);
  for (int64_t r = 0; r < rows; r++)
    if (labels[r] < 0 || labels[r] >= classes) {
      snprintf(last_error, sizeof last_error, "label %d of row %lld is not a class index in [0, %lld)", labels[r], (long long)r, (long long)classes);
      return boolean(env, 0);
    }
  double total = 0;
  for (int64_t r = 0; r < rows; r++) {
    const float *x = logits + r * classes;
    float *p = probs + r * classes;
    float top = x[0];
    for (int64_t c = 1; c < classes; c++) top = x[c] > top ? x[c] : top;
    double sum = 0;
    for (int64_t c = 0; c < classes; c++) sum += exp((double)x[c] - top);
    for (int64_t c = 0; c < classes; c++) p[c] = (float)(exp((double)x[c] - top) / sum);
    total += log(sum) - ((double)x[labels[r]] - top);
  }
  loss[0] = (float)(total / (double)rows);
  return boolean(env, 1);
}

/* crossEntropyGrad(buffer, probs, labels, dy, dlogits, rows, classes): dlogits = dy / rows * (probs - one-hot labels). */
static napi_value cross_entropy_grad(napi_env env, napi_callback_info info) {
  KERNEL_CALL(7);
  const float *probs = at(base, int_arg(env, argv[1]));
  const int32_t *labels = (const int32_t *)(base + int_arg(env, argv[2]));
  const float *dy = at(base, int_arg(env, argv[3]));
  float *dlogits = at(base, int_arg(env, argv[4]));
  const int64_t rows = int_arg(env, argv[5]), classes = int_arg(env, argv[6]);
  const float scale = dy[0] / (float)rows;
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < classes; c++) dlogits[r * classes + c] = scale * (probs[r * classes + c] - (c == labels[r] ? 1.0f : 0.0f));
  return boolean(env, 1);
}

/* Max pool geometry of NHWC float32 x [n, h, w, c] -> [n, oh, ow, c], undilated. */
typedef struct {
  int n, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl;
} pool_geometry;

static void read_pool(napi_env env, napi_value *argv, pool_geometry *g) {
  int *fields = (int *)g;
  for (int i = 0; i < 12; i++) fields[i] = (int)int_arg(env, argv[i]);
}

/*
 * Index into x (of the image at x_image) of the maximum of channel d in the window of output
 * (r, s): the first strict maximum in row-major window order, as tfjs' cpu backend picks it
 * for the gradient; -1 when no pixel of the window exceeds -infinity (tfjs then gives none).
 */
static int64_t window_argmax(const pool_geometry *g, const float *x_image, int r, int s, int d) {
  int r0 = r * g->sh - g->pt, c0 = s * g->sw - g->pl;
  int r_min = r0 < 0 ? 0 : r0, r_max = r0 + g->kh > g->h ? g->h : r0 + g->kh;
  int c_min = c0 < 0 ? 0 : c0, c_max = c0 + g->kw > g->w ? g->w : c0 + g->kw;
  int64_t best = -1;
  float best_value = -__builtin_inff();
  for (int i = r_min; i < r_max; i++)
    for (int j = c_min; j < c_max; j++) {
      int64_t k = ((int64_t)i * g->w + j) * g->c + d;
      if (x_image[k] > best_value) {
        best = k;
        best_value = x_image[k];
      }
    }
  return best;
}

/* maxPool(buffer, x, y, n, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl). */
static napi_value max_pool(napi_env env, napi_callback_info info) {
  KERNEL_CALL(15);
  const float *x = at(base, int_arg(env, argv[1]));
  float *y = at(base, int_arg(env, argv[2]));
  pool_geometry g;
  read_pool(env, argv + 3, &g);
  const int64_t in_image = (int64_t)g.h * g.w * g.c, out_image = (int64_t)g.oh * g.ow * g.c;
#pragma omp parallel for schedule(static) if ((int64_t)g.n * in_image >= PARALLEL_FLOATS)
  for (int b = 0; b < g.n; b++) {
    const float *xb = x + b * in_image;
    float *yb = y + b * out_image;
    for (int r = 0; r < g.oh; r++)
      for (int s = 0; s < g.ow; s++)
        for (int d = 0; d < g.c; d++) {
          int64_t k = window_argmax(&g, xb, r, s, d);
          yb[((int64_t)r * g.ow + s) * g.c + d] = k >= 0 ? xb[k] : -__builtin_inff();
        }
  }
  return boolean(env, 1);
}

/* maxPoolGrad(buffer, x, dy, dx, n, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl): dy of each window goes to its maximum. */
static napi_value max_pool_grad(napi_env env, napi_callback_info info) {
  KERNEL_CALL(16);
  const float *x = at(base, int_arg(env, argv[1])), *dy = at(base, int_arg(env, argv[2]));
  float *dx = at(base, int_arg(env, argv[3]));
  pool_geometry g;
  read_pool(env, argv + 4, &g);
  const int64_t in_image = (int64_t)g.h * g.w * g.c, out_image = (int64_t)g.oh * g.ow * g.c;
  /* Images are independent, so the threads' sums never meet: the result does not depend on the thread count. */
#pragma omp parallel for schedule(static) if ((int64_t)g.n * in_image >= PARALLEL_FLOATS)
  for (int b = 0; b < g.n; b++) {
    const float *xb = x + b * in_image, *dyb = dy + b * out_image;
    float *dxb = dx + b * in_image;
    memset(dxb, 0, in_image * sizeof(float));
    for (int r = 0; r < g.oh; r++)
      for (int s = 0; s < g.ow; s++)
        for (int d = 0; d < g.c; d++) {
          int64_t k = window_argmax(&g, xb, r, s, d);
          if (k >= 0) dxb[k] += dyb[((int64_t)r * g.ow + s) * g.c + d];
        }
  }
  return boolean(env, 1);
}

/* setThreads(n): OpenMP threads of every later call (plans are cached per thread count). */
static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int n = argc ? (int)int_arg(env, argv[0]) : 1;
  threads = n < 1 ? 1 : n;
  omp_set_num_threads(threads);
  return NULL;
}

static napi_value get_last_error(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_string_utf8(env, last_error, NAPI_AUTO_LENGTH, &out);
  return out;
}

/* plans(): one line per cached primitive, "kind threads geometry... : implementation". */
static napi_value list_plans(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_array(env, &out);
  uint32_t i = 0;
  static const char *names[] = {"", "conv-forward", "conv-backward-data", "conv-backward-weights", "matmul", "batchnorm-forward", "batchnorm-backward"};
  for (plan *p = plans; p; p = p->next) {
    char line[256];
    int used = snprintf(line, sizeof line, "%s threads=%d [", names[p->key[0]], p->key[1]);
    for (int k = 2; k < MAX_KEY && used < (int)sizeof line - 80; k++) used += snprintf(line + used, sizeof line - used, k > 2 ? ",%d" : "%d", p->key[k]);
    snprintf(line + used, sizeof line - used, "] %s%s", p->impl, p->reorder ? " +reorder" : "");
    napi_value s;
    napi_create_string_utf8(env, line, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, out, i++, s);
  }
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success || dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) {
    napi_throw_error(env, NULL, "onednn_kernels: oneDNN could not create a CPU engine");
    return NULL;
  }
  threads = omp_get_max_threads();
  struct { const char *name; napi_callback fn; } functions[] = {
      {"conv2dForward", conv2d_forward}, {"conv2dBackwardData", conv2d_backward_data}, {"conv2dBackwardWeights", conv2d_backward_weights},
      {"matmul", matmul}, {"batchNormForward", batch_norm_forward}, {"batchNormBackward", batch_norm_backward}, {"batchNormWorkspaceBytes", batch_norm_workspace_bytes},
      {"sgdStep", sgd_step}, {"binary", binary}, {"crossEntropy", cross_entropy}, {"crossEntropyGrad", cross_entropy_grad}, {"subsamplePad", subsample_pad}, {"relu", relu}, {"maxPool", max_pool}, {"maxPoolGrad", max_pool_grad},
      {"setThreads", set_threads}, {"lastError", get_last_error}, {"plans", list_plans},
  };
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    napi_value fn;
    napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL, &fn);
    napi_set_named_property(env, exports, functions[i].name, fn);
  }
  const dnnl_version_t *v = dnnl_version();
  char version[32];
  snprintf(version, sizeof version, "%d.%d.%d", v->major, v->minor, v->patch);
  napi_value s;
  napi_create_string_utf8(env, version, NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, exports, "version", s);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
