"""A small ONNX graph builder that tracks each value's static shape, shared by the network builders.

dlib decides some behaviour from tensor shapes at run time (add_prev_ zero-pads the smaller operand), while
ONNX wants that spelled out as nodes. Knowing every (channels, rows, cols) while building lets the builders
insert exactly the padding dlib would apply, and lets tests count multiply-accumulates from the graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8
"""Kept at the oldest versions that have every operator used, so any recent onnxruntime can load the model."""


DYNAMIC = -1
"""A value's rows or columns when they are only known at run time (the detector's input size varies)."""


@dataclass(frozen=True, slots=True)
class Value:
    """A named graph value of shape (batch, channels, rows, cols), batch left dynamic."""

    name: str
    channels: int
    rows: int
    cols: int


class GraphBuilder:
    """Collects nodes and initializers; every method returns the new value with its shape."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def constant(self, stem: str, array: NDArray[np.generic]) -> str:
        name = self.name(stem)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op: str, inputs: list[str], stem: str, *, exact_name: bool = False, **attributes: Any) -> str:
        """Appends one node; ``exact_name`` uses ``stem`` itself as the output name (for graph outputs)."""
        output = stem if exact_name else self.name(stem)
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attributes))
        return output

    def conv(
        self,
        x: Value,
        weights: NDArray[np.float32],
        bias: NDArray[np.float32],
        stride: tuple[int, int],
        padding: tuple[int, int],
    ) -> Value:
        out_channels, in_channels, kernel_rows, kernel_cols = (int(d) for d in weights.shape)
        if in_channels != x.channels:
            raise ValueError(f"convolution expects {in_channels} channels, input has {x.channels}")
        rows = 1 + (x.rows + 2 * padding[0] - kernel_rows) // stride[0] if x.rows != DYNAMIC else DYNAMIC
        cols = 1 + (x.cols + 2 * padding[1] - kernel_cols) // stride[1] if x.cols != DYNAMIC else DYNAMIC
        if (rows < 1 or cols < 1) and DYNAMIC not in (rows, cols):
            raise ValueError(f"convolution {kernel_rows}x{kernel_cols} does not fit a {x.rows}x{x.cols} input")
        name = self.node(
            "Conv",
            [
                x.name,
                self.constant("W", weights.astype(np.float32)),
                self.constant("B", bias.astype(np.float32)),
            ],
            "conv",
            kernel_shape=[kernel_rows, kernel_cols],
            strides=list(stride),
            pads=[padding[0], padding[1], padding[0], padding[1]],
        )
        return Value(name, out_channels, rows, cols)

    def relu(self, x: Value) -> Value:
        return Value(self.node("Relu", [x.name], "relu"), x.channels, x.rows, x.cols)

    def pool(self, x: Value, kind: str, size: tuple[int, int], stride: tuple[int, int]) -> Value:
        """Unpadded max or average pooling (dlib's default for strided pools)."""
        op = {"max": "MaxPool", "avg": "AveragePool"}[kind]
        rows = 1 + (x.rows - size[0]) // stride[0]
        cols = 1 + (x.cols - size[1]) // stride[1]
        if rows < 1 or cols < 1:
            raise ValueError(f"pool {size} does not fit a {x.rows}x{x.cols} input")
        name = self.node(op, [x.name], "pool", kernel_shape=list(size), strides=list(stride))
        return Value(name, x.channels, rows, cols)

    def zero_pad_to(self, x: Value, channels: int, rows: int, cols: int) -> Value:
        """Zeros appended after the last channel, row and column: how dlib's add_prev_ aligns shapes."""
        extra = (channels - x.channels, rows - x.rows, cols - x.cols)
        if extra == (0, 0, 0):
            return x
        pads = np.array([0, 0, 0, 0, 0, *extra], dtype=np.int64)
        name = self.node("Pad", [x.name, self.constant("pads", pads)], "pad", mode="constant")
        return Value(name, channels, rows, cols)

    def add(self, a: Value, b: Value) -> Value:
        """dlib's add_prev_: the output has the larger of each dimension, the smaller operand zero-padded."""
        shape = (max(a.channels, b.channels), max(a.rows, b.rows), max(a.cols, b.cols))
        a, b = self.zero_pad_to(a, *shape), self.zero_pad_to(b, *shape)
        return Value(self.node("Add", [a.name, b.name], "add"), *shape)

    def model(self, inputs: list[onnx.ValueInfoProto], outputs: list[onnx.ValueInfoProto], doc: str) -> onnx.ModelProto:
        graph = helper.make_graph(self.nodes, "watchkeeper", inputs, outputs, self.initializers)
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", OPSET)],
            producer_name="watchkeeper",
            doc_string=doc,
        )
        model.ir_version = IR_VERSION
        onnx.checker.check_model(model)
        return model


def count_multiply_accumulates(model: onnx.ModelProto) -> int:
    """Multiply-accumulates per sample in the Conv and MatMul nodes, read back from the graph itself.

    Shape inference gives every node's output size with the batch left symbolic; a convolution costs
    (output elements) x (input channels x kernel area), a matrix product (outputs x inputs).
    """
    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {
        info.name: [d.dim_value for d in info.type.tensor_type.shape.dim]
        for info in [*inferred.graph.value_info, *inferred.graph.output]
    }
    weights = {tensor.name: list(tensor.dims) for tensor in model.graph.initializer}
    total = 0
    for node in model.graph.node:
        if node.op_type == "Conv":
            _, in_channels, kernel_rows, kernel_cols = weights[node.input[1]]
            output = shapes[node.output[0]][1:]
            total += int(np.prod(output)) * in_channels * kernel_rows * kernel_cols
        elif node.op_type == "MatMul":
            inputs, outputs = weights[node.input[1]]
            total += inputs * outputs
    return total


def tensor_info(name: str, element_type: int, shape: list[int | str]) -> onnx.ValueInfoProto:
    """A graph input or output; string dimensions are dynamic (named)."""
    return helper.make_tensor_value_info(name, element_type, shape)


FLOAT = TensorProto.FLOAT
UINT8 = TensorProto.UINT8
