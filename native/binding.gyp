{
  "variables": {
    "with_jpeg_turbo%": 1,
    "with_onednn%": 0
  },
  "conditions": [
    ["with_jpeg_turbo==1", {
      "targets": [
        {
          "target_name": "jpeg_turbo",
          "sources": ["jpeg_turbo.c"],
          "libraries": ["-ljpeg"],
          "cflags": ["-O3", "-std=c11"]
        }
      ]
    }],
    ["with_onednn==1", {
      "targets": [
        {
          "target_name": "onednn_kernels",
          "sources": ["onednn_kernels.c"],
          "libraries": ["-ldnnl", "-lgomp", "-lm"],
          # No FMA contraction (the SGD step is bit-identical to tfjs' ops); without trapping math
          # gcc vectorizes the element-wise loops' conditionals instead of branching on each float.
          "cflags": ["-O3", "-std=c11", "-fopenmp", "-ffp-contract=off", "-fno-trapping-math"]
        }
      ]
    }]
  ]
}
