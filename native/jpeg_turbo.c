/*
 * JPEG decode + crop + resize for the image-folder pipeline, with the pixels torchvision's
 * PIL loader gives: libjpeg-turbo's decoder at its defaults (islow IDCT, fancy upsampling,
 * YCbCr -> RGB, grey replicated to RGB), PIL's crop, and PIL 9's bilinear Image.resize
 * (antialiased: the triangle filter widened by the downscale factor, coefficients in 22-bit
 * fixed point, a horizontal pass rounded to 8 bits, then a vertical pass), then a crop of the
 * resized image. Runs in libuv's thread pool (napi async work); sharp/libvips costs about
 * twice the CPU per image for the same work on small JPEGs (its pipeline set-up, thread
 * hand-offs and copies).
 *
 * decode(bytes, [preTop, preLeft, preHeight, preWidth], [resizeHeight, resizeWidth],
 *        [postTop, postLeft, postHeight, postWidth], callback(error, pixels | null))
 *   pre: crop of the decoded image (the whole image for none); resize: size the pre-crop is
 *   resized to (equal to the pre size for none); post: crop of the resized image. pixels:
 *   Uint8Array [postHeight, postWidth, 3]. CMYK/YCCK JPEGs are refused (error message starts
 *   with "unsupported:"), so the caller can hand them to sharp.
 */
#include <node_api.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h> /* before jpeglib.h, which uses FILE */
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

#define PRECISION_BITS (32 - 8 - 2)

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
} ErrorManager;

static void on_error(j_common_ptr cinfo) { longjmp(((ErrorManager *)cinfo->err)->jump, 1); }
/* A truncated file is an error, as in PIL (which raises "image file is truncated"); other
 * warnings (extraneous bytes before a marker, say) are ignored, as PIL ignores them. */
static void on_warning(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) on_error(cinfo);
}

typedef struct {
  napi_async_work work;
  napi_ref bytes_ref;
  napi_ref callback_ref;
  const uint8_t *bytes;
  size_t length;
  int pre[4], resize[2], post[4];
  uint8_t *pixels;
  char error[JMSG_LENGTH_MAX + 64];
} Job;

/* PIL's bilinear filter and precompute_coeffs (Resample.c), with the coefficients turned into
 * 22-bit fixed point as normalize_coeffs_8bpc does. Returns ksize; bounds[2 * i] is the first
 * input index of output i, bounds[2 * i + 1] the number of inputs. */
static double bilinear(double x) {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

static int coefficients(int in_size, int out_size, int **bounds_out, int32_t **kk_out) {
  double scale = (double)in_size / out_size, filterscale = scale < 1.0 ? 1.0 : scale;
  double support = 1.0 * filterscale;
  int ksize = (int)ceil(support) * 2 + 1;
  int *bounds = malloc(sizeof(int) * 2 * out_size);
  int32_t *kk = malloc(sizeof(int32_t) * ksize * out_size);
  double *k = malloc(sizeof(double) * ksize);
  if (!bounds || !kk || !k) {
    free(bounds), free(kk), free(k);
    return -1;
  }
  for (int xx = 0; xx < out_size; xx++) {
    double center = (xx + 0.5) * scale, ww = 0.0, ss = 1.0 / filterscale;
    int xmin = (int)(center - support + 0.5), xmax = (int)(center + support + 0.5), x;
    if (xmin < 0) xmin = 0;
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    for (x = 0; x < xmax; x++) ww += k[x] = bilinear((x + xmin - center + 0.5) * ss);
    for (x = 0; x < ksize; x++) {
      double w = x < xmax && ww != 0.0 ? k[x] / ww : 0.0;
      kk[xx * ksize + x] = (int32_t)(w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  free(k);
  *bounds_out = bounds;
  *kk_out = kk;
  return ksize;
}

static inline uint8_t clip8(int32_t in) {
  if (in >= (1 << PRECISION_BITS << 8)) return 255;
  if (in <= 0) return 0;
  return (uint8_t)(in >> PRECISION_BITS);
}

/* Resizes src [h, w, 3] to [rh, rw, 3] the way PIL does and writes the window post
 * (top, left, height, width) of the result to out. Only the rows and columns of the window
 * are computed; each output pixel depends on nothing else, so the values are PIL's. */
static int resize_window(const uint8_t *src, int h, int w, int rh, int rw, const int *post, uint8_t *out) {
  int pt = post[0], pl = post[1], ph = post[2], pw = post[3];
  if (rh == h && rw == w) {
    for (int y = 0; y < ph; y++) memcpy(out + (size_t)y * pw * 3, src + ((size_t)(pt + y) * w + pl) * 3, (size_t)pw * 3);
    return 0;
  }
  int *hb = NULL, *vb = NULL;
  int32_t *hk = NULL, *vk = NULL;
  int hks = coefficients(w, rw, &hb, &hk), vks = coefficients(h, rh, &vb, &vk);
  if (hks < 0 || vks < 0) return -1;
  int need_h = rw != w, need_v = rh != h;
  /* Input rows the window's output rows read. */
  int first = need_v ? vb[pt * 2] : pt, last = need_v ? vb[(pt + ph - 1) * 2] + vb[(pt + ph - 1) * 2 + 1] : pt + ph;
  int tw = need_h ? pw : w;
  uint8_t *temp = malloc((size_t)(last - first) * tw * 3);
  if (!temp) return -1;
  for (int y = first; y < last; y++) {
    const uint8_t *row = src + (size_t)y * w * 3;
    uint8_t *dst = temp + (size_t)(y - first) * tw * 3;
    if (!need_h) {
      memcpy(dst, row, (size_t)w * 3);
      continue;
    }
    for (int xx = 0; xx < pw; xx++) {
      int xmin = hb[(pl + xx) * 2], xmax = hb[(pl + xx) * 2 + 1];
      const int32_t *k = hk + (size_t)(pl + xx) * hks;
      int32_t s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
      for (int x = 0; x < xmax; x++) {
        const uint8_t *p = row + (size_t)(x + xmin) * 3;
        s0 += p[0] * k[x], s1 += p[1] * k[x], s2 += p[2] * k[x];
      }
      dst[xx * 3] = clip8(s0), dst[xx * 3 + 1] = clip8(s1), dst[xx * 3 + 2] = clip8(s2);
    }
  }
  /* Columns of temp the window covers: all of it after a horizontal pass, else pl.. */
  int column0 = need_h ? 0 : pl;
  for (int yy = 0; yy < ph; yy++) {
    uint8_t *dst = out + (size_t)yy * pw * 3;
    if (!need_v) {
      memcpy(dst, temp + ((size_t)(pt + yy - first) * tw + column0) * 3, (size_t)pw * 3);
      continue;
    }
    int ymin = vb[(pt + yy) * 2] - first, ymax = vb[(pt + yy) * 2 + 1];
    const int32_t *k = vk + (size_t)(pt + yy) * vks;
    for (int xx = 0; xx < pw; xx++) {
      int32_t s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
      for (int y = 0; y < ymax; y++) {
        const uint8_t *p = temp + ((size_t)(y + ymin) * tw + column0 + xx) * 3;
        s0 += p[0] * k[y], s1 += p[1] * k[y], s2 += p[2] * k[y];
      }
      dst[xx * 3] = clip8(s0), dst[xx * 3 + 1] = clip8(s1), dst[xx * 3 + 2] = clip8(s2);
    }
  }
  free(temp), free(hb), free(hk), free(vb), free(vk);
  return 0;
}

static void execute(napi_env env, void *data) {
  (void)env;
  Job *job = data;
  struct jpeg_decompress_struct cinfo;
  ErrorManager errors;
  uint8_t *volatile decoded = NULL;
  cinfo.err = jpeg_std_error(&errors.pub);
  errors.pub.error_exit = on_error;
  errors.pub.emit_message = on_warning;
  if (setjmp(errors.jump)) {
    char message[JMSG_LENGTH_MAX];
    (*cinfo.err->format_message)((j_common_ptr)&cinfo, message);
    snprintf(job->error, sizeof job->error, "libjpeg-turbo: %s", message);
    jpeg_destroy_decompress(&cinfo);
    free(decoded);
    return;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, job->bytes, (unsigned long)job->length);
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
    snprintf(job->error, sizeof job->error, "unsupported: CMYK JPEG");
    jpeg_destroy_decompress(&cinfo);
    return;
  }
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  int width = (int)cinfo.output_width, height = (int)cinfo.output_height;
  const int *pre = job->pre;
  if (pre[0] < 0 || pre[1] < 0 || pre[2] < 1 || pre[3] < 1 || pre[0] + pre[2] > height || pre[1] + pre[3] > width) {
    snprintf(job->error, sizeof job->error, "crop %dx%d at (%d, %d) is outside the %dx%d image", pre[3], pre[2], pre[1], pre[0], width, height);
    jpeg_destroy_decompress(&cinfo);
    return;
  }
  /* Rows above the crop are decoded into a scratch row; decoding stops after its last row. */
  decoded = malloc((size_t)pre[2] * pre[3] * 3 + (size_t)width * 3);
  if (!decoded) {
    snprintf(job->error, sizeof job->error, "out of memory");
    jpeg_destroy_decompress(&cinfo);
    return;
  }
  uint8_t *scratch = decoded + (size_t)pre[2] * pre[3] * 3;
  while ((int)cinfo.output_scanline < pre[0] + pre[2]) {
    int y = (int)cinfo.output_scanline;
    JSAMPROW row = scratch;
    jpeg_read_scanlines(&cinfo, &row, 1);
    if (y >= pre[0]) memcpy(decoded + (size_t)(y - pre[0]) * pre[3] * 3, scratch + (size_t)pre[1] * 3, (size_t)pre[3] * 3);
  }
  jpeg_abort_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  job->pixels = malloc((size_t)job->post[2] * job->post[3] * 3);
  if (!job->pixels || resize_window(decoded, pre[2], pre[3], job->resize[0], job->resize[1], job->post, job->pixels) != 0) {
    snprintf(job->error, sizeof job->error, "out of memory");
  }
  free(decoded);
}

static void free_pixels(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  free(data);
}

static void complete(napi_env env, napi_status status, void *data) {
  Job *job = data;
  napi_value callback, global, args[2];
  napi_get_reference_value(env, job->callback_ref, &callback);
  napi_get_global(env, &global);
  napi_get_null(env, &args[0]);
  napi_get_null(env, &args[1]);
  if (status != napi_ok || job->error[0]) {
    napi_value message;
    napi_create_string_utf8(env, job->error[0] ? job->error : "decode cancelled", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &args[0]);
    free(job->pixels);
  } else {
    size_t size = (size_t)job->post[2] * job->post[3] * 3;
    napi_value buffer;
    napi_create_external_arraybuffer(env, job->pixels, size, free_pixels, NULL, &buffer);
    napi_create_typedarray(env, napi_uint8_array, size, buffer, 0, &args[1]);
  }
  napi_call_function(env, global, callback, 2, args, NULL);
  napi_delete_reference(env, job->bytes_ref);
  napi_delete_reference(env, job->callback_ref);
  napi_delete_async_work(env, job->work);
  free(job);
}

static int read_ints(napi_env env, napi_value array, int *out, uint32_t count) {
  uint32_t length;
  if (napi_get_array_length(env, array, &length) != napi_ok || length != count) return -1;
  for (uint32_t i = 0; i < count; i++) {
    napi_value v;
    if (napi_get_element(env, array, i, &v) != napi_ok || napi_get_value_int32(env, v, &out[i]) != napi_ok) return -1;
  }
  return 0;
}

static napi_value decode(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], name;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Job *job = calloc(1, sizeof(Job));
  void *bytes;
  bool is_buffer = false;
  napi_valuetype callback_type = napi_undefined;
  if (argc == 5) {
    napi_is_buffer(env, argv[0], &is_buffer);
    napi_typeof(env, argv[4], &callback_type);
  }
  if (!job || !is_buffer || callback_type != napi_function || read_ints(env, argv[1], job->pre, 4) || read_ints(env, argv[2], job->resize, 2) ||
      read_ints(env, argv[3], job->post, 4) || job->resize[0] < 1 || job->resize[1] < 1 || job->post[0] < 0 || job->post[1] < 0 || job->post[2] < 1 ||
      job->post[3] < 1 || job->post[0] + job->post[2] > job->resize[0] || job->post[1] + job->post[3] > job->resize[1]) {
    free(job);
    napi_throw_type_error(env, NULL, "decode(bytes: Buffer, pre: [top, left, height, width], resize: [height, width], post: [top, left, height, width], callback) with post inside resize");
    return NULL;
  }
  napi_get_buffer_info(env, argv[0], &bytes, &job->length);
  job->bytes = bytes;
  napi_create_reference(env, argv[0], 1, &job->bytes_ref);
  napi_create_reference(env, argv[4], 1, &job->callback_ref);
  napi_create_string_utf8(env, "jpeg_turbo.decode", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, job, &job->work);
  napi_queue_async_work(env, job->work);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn, version;
  napi_create_function(env, "decode", NAPI_AUTO_LENGTH, decode, NULL, &fn);
  napi_set_named_property(env, exports, "decode", fn);
  napi_create_int32(env, LIBJPEG_TURBO_VERSION_NUMBER, &version);
  napi_set_named_property(env, exports, "libjpegTurboVersion", version);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
