#!/usr/bin/python3
"""Writes the paddle.save-style checkpoints the tests read (test/fixtures/paddle/).

Run once, by hand, from the repository root (the outputs are committed; tests never need
Python):

    apt-get install -y python3-numpy        # Debian's numpy (1.x here)
    /usr/bin/python3 scripts/make-paddle-checkpoints.py

What it writes, in test/fixtures/paddle/checkpoints/:

  ghostnet_x0_1_c10.onnx          the weights' source: a seeded GhostNet x0.1 with 10
                                  classes written by our CLI (`ghostnet make-fixture
                                  --scale 0.1 --classes 10 --style modern --seed 17`;
                                  made by this script when missing). x0.1 keeps the files
                                  small; every layer kind of GhostNet is in it.
  ghostnet_x0_1_c10_p2_np1.pdparams   pickle protocol 2, numpy 1.x module names
  ghostnet_x0_1_c10_p4_np1.pdparams   protocol 4 (paddle.save's default), numpy 1.x
  ghostnet_x0_1_c10_p4_np2.pdparams   protocol 4, numpy 2.x module names
  ghostnet_x0_1_c10_p2_np2_split.pdparams
                                  protocol 2, numpy 2.x names, big parameters cut into
                                  parts as paddle.save does under protocols 2/3
                                  (`name@@.0`, … and `UnpackBigParamInfor@@`); Paddle cuts
                                  arrays over 2^30 bytes, here the threshold is 40,000
                                  elements so that the layout appears in a small file.

Each checkpoint is what `paddle.save(model.state_dict(), path, protocol=P)` writes for
PaddleClas's GhostNet: a dict of structured names (`conv1._conv.weight`,
`_ghostbottleneck_3.se_block.squeeze.bias`, `conv1._batch_norm._mean`, `fc_1.weight`) →
float32 numpy arrays, plus `StructuredToParameterName@@` → {structured name: parameter
name}. The names are derived here from PaddleClas's ghostnet.py attribute names (DESIGN.md
§2, §7), independently of the TypeScript reader.

numpy 2.x names: only numpy 1.x is installed here, and numpy 1.x pickles arrays through
`numpy.core.multiarray._reconstruct`. numpy 2.x writes `numpy._core.multiarray._reconstruct`
and is otherwise the same (`numpy.ndarray`, `numpy.dtype`, the same state tuples). So for
the `np2` files a pickler subclass (`reducer_override`) hands pickle a stand-in function
registered under the numpy 2 module name: pickle then writes exactly the opcodes numpy 2
would (GLOBAL 'numpy._core.multiarray _reconstruct' under protocol 2, the strings
'numpy._core.multiarray' + '_reconstruct' + STACK_GLOBAL under protocol 4).

It also writes small pickles for the unpickler's own tests in test/fixtures/paddle/pickles/
(protocols 3 and 5, float16/64, integers, bool, big-endian, Fortran order, OrderedDict,
empty arrays, and hostile files that name os.system / builtins.eval), with
expected.json holding the values numpy itself reports.
"""
import collections
import io
import json
import os
import pickle
import re
import subprocess
import sys
import types

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECKPOINTS = os.path.join(ROOT, "test", "fixtures", "paddle", "checkpoints")
PICKLES = os.path.join(ROOT, "test", "fixtures", "paddle", "pickles")
SOURCE_ONNX = os.path.join(CHECKPOINTS, "ghostnet_x0_1_c10.onnx")


# ── A minimal ONNX reader: the graph's float initializers (name → numpy array) ─────────

def varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def fields(buf):
    """(field number, wire type, value) for each field of one protobuf message."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 2:
            n, i = varint(buf, i)
            value = buf[i:i + n]
            i += n
        elif wire == 5:
            value = buf[i:i + 4]
            i += 4
        elif wire == 1:
            value = buf[i:i + 8]
            i += 8
        else:
            raise ValueError("unexpected wire type %d" % wire)
        yield number, wire, value


def onnx_initializers(path):
    """ModelProto.graph (7) → GraphProto.initializer (5) → TensorProto dims 1, data_type 2, name 8, raw_data 9."""
    data = open(path, "rb").read()
    graph = next(v for n, w, v in fields(data) if n == 7)
    out = collections.OrderedDict()
    for n, w, tensor in fields(graph):
        if n != 5:
            continue
        dims, dtype, name, raw = [], None, None, None
        for fn, fw, fv in fields(tensor):
            if fn == 1 and fw == 0:
                dims.append(fv)
            elif fn == 1 and fw == 2:  # packed dims
                j = 0
                while j < len(fv):
                    d, j = varint(fv, j)
                    dims.append(d)
            elif fn == 2:
                dtype = fv
            elif fn == 8:
                name = fv.decode("utf-8")
            elif fn == 9:
                raw = fv
        if dtype != 1 or raw is None or name.startswith("p2o.helper."):  # axes, clip bounds: not parameters
            continue
        out[name] = np.frombuffer(raw, dtype="<f4").reshape(dims).copy()
    return out


# ── PaddleClas GhostNet: parameter name → structured name (ghostnet.py's attributes) ───

BOTTLENECK_PARTS = [
    (r"ghost_module_([12])_(primary_conv|cheap_operation)", r"ghost_module_\1.\2"),
    (r"depthwise_depthwise", "depthwise_conv"),
    (r"shortcut_depthwise_depthwise", "shortcut_depthwise"),
    (r"shortcut_conv", "shortcut_conv"),
    (r"se_1", "se_block.squeeze"),
    (r"se_2", "se_block.excitation"),
]


def module_path(layer):
    if layer in ("conv1", "conv_last", "fc_0", "fc_1"):
        return layer
    m = re.fullmatch(r"(_ghostbottleneck_\d+)_(.+)", layer)
    if m is None:
        raise ValueError("not a GhostNet layer: " + layer)
    for pattern, replacement in BOTTLENECK_PARTS:
        if re.fullmatch(pattern, m.group(2)):
            return m.group(1) + "." + re.sub(pattern, replacement, m.group(2))
    raise ValueError("not a GhostNet layer: " + layer)


def is_linear(layer):
    return layer == "fc_1" or layer.endswith("_se_1") or layer.endswith("_se_2")


def structured_name(param):
    for suffix, attribute in (("_bn_scale", "_batch_norm.weight"), ("_bn_offset", "_batch_norm.bias"),
                              ("_bn_mean", "_batch_norm._mean"), ("_bn_variance", "_batch_norm._variance")):
        if param.endswith(suffix):
            return module_path(param[:-len(suffix)]) + "." + attribute
    if param.endswith("_weights"):
        layer = param[:-len("_weights")]
        return module_path(layer) + (".weight" if is_linear(layer) else "._conv.weight")
    if param.endswith("_offset"):
        return module_path(param[:-len("_offset")]) + ".bias"
    raise ValueError("not a GhostNet parameter: " + param)


def state_dict(weights):
    """What paddle.save builds from model.state_dict(): arrays plus the name table."""
    saved, table = {}, {}
    for param, array in weights.items():
        key = structured_name(param)
        saved[key] = array
        table[key] = param
    saved["StructuredToParameterName@@"] = table
    return saved


def split_big_parameters(saved, max_elements):
    """paddle.save's _unpack_saved_dict for protocols 2/3, with a smaller threshold."""
    info = {}
    for key in list(saved.keys()):
        value = saved[key]
        if not isinstance(value, np.ndarray) or value.size <= max_elements:
            continue
        flat = value.flatten()
        parts = []
        for i in range((value.size + max_elements - 1) // max_elements):
            part = key + "@@." + str(i)
            parts.append(part)
            saved[part] = flat[i * max_elements:(i + 1) * max_elements]
        del saved[key]
        info[key] = {"OriginShape": value.shape, "slices": parts}
    saved["UnpackBigParamInfor@@"] = info
    return saved


# ── numpy 2.x module names ─────────────────────────────────────────────────────────────

def _numpy2_module(name):
    module = sys.modules.get(name)
    if module is None:
        module = types.ModuleType(name)
        sys.modules[name] = module
    return module


_numpy2_module("numpy._core")
_NP2_MULTIARRAY = _numpy2_module("numpy._core.multiarray")


def _reconstruct(*args):  # a stand-in; never called (these files are only written here)
    raise RuntimeError("stand-in for numpy 2's numpy._core.multiarray._reconstruct")


_reconstruct.__module__ = "numpy._core.multiarray"
_reconstruct.__qualname__ = "_reconstruct"
_NP2_MULTIARRAY._reconstruct = _reconstruct


class Numpy2Pickler(pickle.Pickler):
    def __init__(self, file, protocol):
        super().__init__(file, protocol=protocol)
        self.protocol = protocol

    def reducer_override(self, obj):
        if type(obj) is np.ndarray:
            reduced = obj.__reduce_ex__(self.protocol)
            if reduced[0] is np.core.multiarray._reconstruct:
                return (_reconstruct,) + tuple(reduced[1:])
        return NotImplemented


def dump(obj, path, protocol, numpy2=False):
    buffer = io.BytesIO()
    (Numpy2Pickler if numpy2 else pickle.Pickler)(buffer, protocol=protocol).dump(obj)
    data = buffer.getvalue()
    expected = b"numpy._core.multiarray" if numpy2 else b"numpy.core.multiarray"
    assert expected in data, path
    with open(path, "wb") as f:
        f.write(data)
    print("wrote %s (%d bytes)" % (os.path.relpath(path, ROOT), len(data)))


# ── Small pickles for the unpickler's tests ───────────────────────────────────────────

class Evil:
    """Pickles as a call of `func(*args)`: what a hostile checkpoint would hold."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def describe(array):
    return {"shape": list(array.shape), "dtype": array.dtype.str,
            "values": [float(v) for v in np.asarray(array, dtype=np.float64).flatten(order="C")]}


def write_small_pickles():
    os.makedirs(PICKLES, exist_ok=True)
    cases = {
        "p5_types.pkl": (5, {
            "f4": np.arange(6, dtype="<f4").reshape(2, 3) / 4,
            "f8": np.array([1.5, -2.25, 1e-3], dtype="<f8"),
            "f2": np.array([0.5, -1.0, 65504.0, 6.1e-5], dtype="<f2"),
            "i8": np.array([-3, 2 ** 40, 7], dtype="<i8"),
            "u1": np.array([0, 255], dtype="u1"),
            "b1": np.array([True, False, True]),
        }),
        "p3_big_endian.pkl": (3, {
            "f4": (np.arange(4) - 1.5).astype(">f4"),
            "i4": np.array([1, -2, 70000], dtype=">i4"),
            "f8": np.array([3.25], dtype=">f8"),
            "f2": np.array([1.5, -0.25], dtype=">f2"),
        }),
        "p2_fortran_ordered.pkl": (2, collections.OrderedDict([
            ("fortran", np.asfortranarray(np.arange(24, dtype="<f4").reshape(2, 3, 4))),
            ("empty", np.zeros((0, 3), dtype="<f4")),
            ("scalar", np.array(2.5, dtype="<f4")),
        ])),
        "p4_nested.pkl": (4, {
            "list": [1, 2.5, "three", b"four", None, True],
            "tuple": (1, (2, 3)),
            "big": 2 ** 40 + 1,
            "negative": -123456789,
            "text": "paddle ☃",
        }),
    }
    expected = {}
    for name, (protocol, obj) in cases.items():
        dump_plain(obj, os.path.join(PICKLES, name), protocol)
        expected[name] = {k: describe(v) for k, v in obj.items() if isinstance(v, np.ndarray)}
    # Hostile: what Python's own pickle.load would run.
    hostile = {
        "evil_os_system.pkl": (4, Evil(os.system, ("echo pwned",))),
        "evil_eval_p2.pkl": (2, {"w": Evil(eval, ("__import__('os').system('echo pwned')",))}),
        "evil_subprocess.pkl": (4, [Evil(subprocess.check_output, (["id"],))]),
    }
    for name, (protocol, obj) in hostile.items():
        dump_plain(obj, os.path.join(PICKLES, name), protocol)
    with open(os.path.join(PICKLES, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


def dump_plain(obj, path, protocol):
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)
    print("wrote %s" % os.path.relpath(path, ROOT))


def main():
    os.makedirs(CHECKPOINTS, exist_ok=True)
    if not os.path.exists(SOURCE_ONNX):
        subprocess.check_call(["node", os.path.join(ROOT, "bin", "ghostnet.js"), "make-fixture", "--scale", "0.1",
                               "--classes", "10", "--style", "modern", "--seed", "17", "--output", SOURCE_ONNX])
    weights = onnx_initializers(SOURCE_ONNX)
    print("read %d parameters from %s" % (len(weights), os.path.relpath(SOURCE_ONNX, ROOT)))
    base = os.path.join(CHECKPOINTS, "ghostnet_x0_1_c10")
    dump(state_dict(weights), base + "_p2_np1.pdparams", 2)
    dump(state_dict(weights), base + "_p4_np1.pdparams", 4)
    dump(state_dict(weights), base + "_p4_np2.pdparams", 4, numpy2=True)
    dump(split_big_parameters(state_dict(weights), 40000), base + "_p2_np2_split.pdparams", 2, numpy2=True)
    write_small_pickles()


if __name__ == "__main__":
    main()
