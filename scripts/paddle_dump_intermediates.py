#!/usr/bin/env python3
"""Dumps Paddle's own intermediate tensors for `ghostnet compare` (ghostnet-ts).

    NOTE: this script needs PaddlePaddle (and, for --checkpoint, PaddleClas). Neither is
    installed where ghostnet-ts is developed, so it has NOT been run there; it is written
    from Paddle's documented APIs. The other side of the comparison (`ghostnet compare`)
    is tested against onnxruntime's intermediates instead.

Two ways to run Paddle, named as ghostnet-ts names the tensors it traces:

  Static inference model (legacy program: inference.pdmodel + inference.pdiparams, or
  __model__ [+ __params__]); names are Paddle's variable names, which ghostnet-ts's
  graph executor keeps:

      python3 paddle_dump_intermediates.py --model GhostNet_x1_0_infer/inference \\
          --input x.npy --out paddle_dump/
      npx ghostnet compare GhostNet_x1_0_infer --engine graph --input x.npy --reference paddle_dump/

  (For a Paddle 3 PIR program, inference.json, values have no names to fetch: compare the
  final output, or export the model with FLAGS_enable_pir_api=0 to get a .pdmodel.)

  PaddleClas GhostNet checkpoint (.pdparams), run in dygraph with forward hooks; names are
  PaddleClas layer names, which ghostnet-ts's typed GhostNet traces:

      python3 paddle_dump_intermediates.py --checkpoint GhostNet_x1_0_pretrained.pdparams \\
          --scale 1.0 --input x.npy --out paddle_dump/
      npx ghostnet compare GhostNet_x1_0_pretrained.pdparams --input x.npy --reference paddle_dump/

x.npy: a float32 [N, 3, H, W] array, e.g. from `npx ghostnet preprocess photo.jpg --output x.npy`.

File names (the same mapping as ghostnet-ts's trace/compare): every byte of the name's
UTF-8 outside [A-Za-z0-9_.~-] becomes %XX (upper-case hex), a leading "." becomes %2E,
then ".npy"; a name encoded longer than 200 characters keeps its first 180, then "~" and
the FNV-1a 32-bit hash of the name's UTF-8 as 8 hex digits. An index.json lists the
tensors in the order Paddle produced them.
"""
import argparse
import json
import os

import numpy as np


def tensor_file_name(name):
    raw = name.encode("utf-8")
    safe = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~-")
    encoded = "".join(chr(b) if b in safe else "%%%02X" % b for b in raw)
    if encoded.startswith("."):
        encoded = "%2E" + encoded[1:]
    if len(encoded) > 200:
        h = 0x811C9DC5
        for b in raw:
            h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
        encoded = encoded[:180] + "~%08x" % h
    return encoded + ".npy"


def write(out, tensors):
    os.makedirs(out, exist_ok=True)
    index = []
    for name, value in tensors:
        array = np.ascontiguousarray(np.asarray(value, dtype=np.float32))
        np.save(os.path.join(out, tensor_file_name(name)), array)
        index.append({"name": name, "file": tensor_file_name(name), "shape": list(array.shape), "dtype": "float32"})
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"engine": "paddle", "tensors": index}, f, indent=1)
    print("wrote %d tensors to %s" % (len(index), out))


def dump_program(prefix, x, out):
    """Every float tensor of block 0 that a later op reads (not parameters), fetched in op order."""
    import paddle
    paddle.enable_static()
    exe = paddle.static.Executor(paddle.CPUPlace())
    program, feed_names, fetch_targets = paddle.static.load_inference_model(prefix, exe)
    block = program.global_block()
    # Outputs nothing reads (batch_norm's saved statistics, …) may be left unwritten at inference.
    read = set()
    for op in block.ops:
        read.update(op.input_arg_names)
    names, seen = [], set(feed_names)
    for op in block.ops:
        if op.type in ("feed", "fetch"):
            continue
        for name in op.output_arg_names:
            var = block.var(name) if block.has_var(name) else None
            if name in seen or name not in read or var is None or var.persistable:
                continue
            if var.type != paddle.framework.core.VarDesc.VarType.LOD_TENSOR or var.dtype != paddle.float32:
                continue
            seen.add(name)
            names.append(name)
    values = exe.run(program, feed={feed_names[0]: x}, fetch_list=names, return_numpy=True)
    write(out, list(zip(names, values)))


def ghostnet_layer_name(path):
    """A GhostNet sub-layer path → the PaddleClas layer name ghostnet-ts observes."""
    if path.endswith(".se_block"):
        return path[: -len(".se_block")].replace(".", "_") + "_se"
    path = path.replace(".se_block.squeeze", ".se_1").replace(".se_block.excitation", ".se_2")
    parts = {"depthwise_conv": "depthwise_depthwise", "shortcut_depthwise": "shortcut_depthwise_depthwise"}
    return "_".join(parts.get(p, p) for p in path.split("."))


def dump_checkpoint(path, scale, class_num, x, out):
    """PaddleClas's GhostNet in dygraph; each layer's output recorded by a forward hook."""
    import paddle
    import paddle.nn.functional as F
    from ppcls.arch.backbone.model_zoo.ghostnet import GhostNet

    model = GhostNet(scale=scale, class_num=class_num)
    model.set_state_dict(paddle.load(path))
    model.eval()
    recorded = []

    def hook_for(name):
        def hook(layer, inputs, output):
            value = output
            # ghostnet-ts observes the SE linears after their activations (relu, clip to [0, 1]).
            if name.endswith("_se_1"):
                value = F.relu(output)
            elif name.endswith("_se_2"):
                value = paddle.clip(output, 0.0, 1.0)
            recorded.append((name, value.numpy()))
        return hook

    for path_name, layer in model.named_sublayers():
        last = path_name.split(".")[-1]
        if last in ("_conv", "_batch_norm", "dropout") or path_name.startswith("ghost_bottleneck_list"):
            continue
        layer.register_forward_post_hook(hook_for(ghostnet_layer_name(path_name)))
    with paddle.no_grad():
        logits = model(paddle.to_tensor(x))
    recorded.append(("softmax", F.softmax(logits, axis=-1).numpy()))
    write(out, recorded)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="inference model path prefix (…/inference) or folder")
    source.add_argument("--checkpoint", help="PaddleClas GhostNet .pdparams")
    parser.add_argument("--scale", type=float, default=1.0, help="GhostNet scale for --checkpoint")
    parser.add_argument("--class-num", type=int, default=1000)
    parser.add_argument("--input", required=True, help="float32 .npy [N, 3, H, W]")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    x = np.load(args.input).astype(np.float32)
    if args.model is not None:
        dump_program(args.model, x, args.out)
    else:
        dump_checkpoint(args.checkpoint, args.scale, args.class_num, x, args.out)


if __name__ == "__main__":
    main()
