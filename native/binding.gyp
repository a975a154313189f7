{
  "targets": [
    {
      "target_name": "jpeg_turbo",
      "sources": ["jpeg_turbo.c"],
      "libraries": ["-ljpeg"],
      "cflags": ["-O3", "-std=c11"]
    }
  ]
}
