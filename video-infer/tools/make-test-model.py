#!/usr/bin/python3
"""Writes a small ONNX detector with the output layout of an SSD DetectionOutput layer, for tests and benchmarks.

No pretrained detector can be downloaded on our build machines, so this model stands in for the docs'
ssd_mobilenet_v1_coco. It is a real network that OpenCV's DNN module loads and runs like any other:

  input  1x3xHxW (default 300x300), pixel values as blobFromImage makes them (the docs' config: 0..255, no mean)
  AveragePool 4x4 grid -> Flatten -> MatMul -> Add -> Reshape
  output 1x1xNx7: [image_id, class, score, left, top, right, bottom] per detection, boxes normalized to 0..1

Its detections really respond to the image: each score is the mean brightness of its box (0.95 * mean / 255), so a
bright object in the box scores about 0.9 and a dark background about 0.1. The three detections are
  0: class 1 ("person" in the docs' analyse.py), the center box 0.25..0.75 x 0.25..0.75
  1: class 1, the top-left box 0.0..0.25 x 0.0..0.25
  2: class 3 ("car", not in analyse.py's classes, so it is ignored there), the center box

Usage: make-test-model.py OUT.onnx [--size 300]
Needs Debian's python3-onnx and python3-numpy.
"""
import argparse
import sys

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:  # name the packages, not just the module
    sys.exit("make-test-model.py: %s (install Debian's python3-onnx and python3-numpy)" % e)

GRID = 4  # the image is averaged into a GRID x GRID grid of cells
CHANNELS = 3
# (class, score weight, box as grid cells [col0, row0, col1, row1) exclusive)
DETECTIONS = [
    (1.0, 0.95, (1, 1, 3, 3)),
    (1.0, 0.95, (0, 0, 1, 1)),
    (3.0, 0.95, (1, 1, 3, 3)),
]


def build(size):
    if size % GRID:
        raise SystemExit("--size must be a multiple of %d, got %d" % (GRID, size))
    cell = size // GRID
    n = len(DETECTIONS)
    weights = np.zeros((CHANNELS * GRID * GRID, n * 7), np.float32)
    bias = np.zeros((n * 7,), np.float32)
    for d, (clazz, gain, (c0, r0, c1, r1)) in enumerate(DETECTIONS):
        cells = [(c, r) for r in range(r0, r1) for c in range(c0, c1)]
        for ch in range(CHANNELS):
            for (c, r) in cells:
                # Flatten of N x C x GRID x GRID: index = ch * GRID * GRID + row * GRID + col
                weights[ch * GRID * GRID + r * GRID + c, d * 7 + 2] = gain / 255.0 / (len(cells) * CHANNELS)
        bias[d * 7 + 1] = clazz
        bias[d * 7 + 3:d * 7 + 7] = [c0 / GRID, r0 / GRID, c1 / GRID, r1 / GRID]

    nodes = [
        helper.make_node("AveragePool", ["data"], ["pooled"], kernel_shape=[cell, cell], strides=[cell, cell]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "weights"], ["scores"]),
        helper.make_node("Add", ["scores", "bias"], ["detections"]),
        helper.make_node("Reshape", ["detections", "shape"], ["detection_out"]),
    ]
    graph = helper.make_graph(
        nodes, "brightness_ssd",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, [1, CHANNELS, size, size])],
        [helper.make_tensor_value_info("detection_out", TensorProto.FLOAT, [1, 1, n, 7])],
        initializer=[
            numpy_helper.from_array(weights, "weights"),
            numpy_helper.from_array(bias, "bias"),
            numpy_helper.from_array(np.array([1, 1, n, 7], np.int64), "shape"),
        ])
    model = helper.make_model(graph, producer_name="baetyl-video-infer-tests",
                              opset_imports=[helper.make_opsetid("", 11)])
    model.ir_version = 6  # what OpenCV 4.6's bundled ONNX parser reads
    onnx.checker.check_model(model)
    return model


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--size", type=int, default=300)
    a = p.parse_args()
    onnx.save(build(a.size), a.out)
    print("wrote %s (%dx%d input, 1x1x%dx7 output)" % (a.out, a.size, a.size, len(DETECTIONS)))


if __name__ == "__main__":
    main()
