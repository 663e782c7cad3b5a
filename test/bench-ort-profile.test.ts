/**
 * Reading onnxruntime-web's profiler trace for `ghostnet bench --profile`: the event lines,
 * fused node names and the kinds of op, on trace text written here the way onnxruntime
 * prints it (the bench smoke test runs the real profiler).
 */
import { describe, expect, it } from "vitest";
import { nodeNameOf, opKindOf, parseOrtTrace } from "../bench/peers/ort-web-profile.js";

const event = (name: string, dur: number, ts: number, op: string, shapes: number[][]): string =>
  `{"cat" : "Node","pid" :42,"tid" :1,"dur" :${dur},"ts" :${ts},"ph" : "X","name" :"${name}","args" : {"op_name" : "${op}","input_type_shape" : [${shapes.map((s) => `{"float":[${s.join(",")}]}`).join(",")}],"provider" : "CPUExecutionProvider"}},`;

describe("onnxruntime-web trace", () => {
  it("keeps the kernel-time events, in µs → ms, and skips everything else", () => {
    const text = [
      "[",
      `{"cat" : "Session","pid" :42,"tid" :1,"dur" :31715,"ts" :27,"ph" : "X","name" :"model_loading_array","args" : {}},`,
      event("p2o.Conv.0_kernel_time", 1895, 100, "FusedConv", [[1, 3, 224, 224], [16, 3, 3, 3], [16]]),
      event("p2o.Conv.0_fence_before", 1, 99, "FusedConv", []),
      "some other line the runtime printed",
      event("fused p2o.MatMul.0/MatMulAddFusion_kernel_time", 434, 300, "FusedGemm", [[1, 72], [18]]),
      `{"cat" : "Node", "name" :"broken_kernel_time", "dur" : }`,
      "]",
    ].join("\n");
    const events = parseOrtTrace(text);
    expect(events.map((e) => e.node)).toEqual(["p2o.Conv.0", "p2o.MatMul.0"]);
    expect(events[0]).toMatchObject({ opName: "FusedConv", ms: 1.895, ts: 100, inputShapes: [[1, 3, 224, 224], [16, 3, 3, 3], [16]] });
    expect(events[1]!.ms).toBeCloseTo(0.434, 12);
  });

  it("names a fused node after its first node", () => {
    expect(nodeNameOf("fused p2o.MatMul.12/MatMulAddFusion")).toBe("p2o.MatMul.12");
    expect(nodeNameOf("p2o.MatMul.1/MatMulAddFusion")).toBe("p2o.MatMul.1");
    expect(nodeNameOf("p2o.MatMul.24/MatmulTransposeFusion/")).toBe("p2o.MatMul.24");
    expect(nodeNameOf("p2o.Conv.5")).toBe("p2o.Conv.5");
  });

  it("classes convs by their weight and input shapes", () => {
    expect(opKindOf("FusedConv", [[1, 16, 112, 112], [8, 16, 1, 1], [8]])).toBe("Conv 1×1 (pointwise)");
    expect(opKindOf("Conv", [[1, 960, 1, 1], [1280, 960, 1, 1]])).toBe("Conv 1×1 on a 1×1 map");
    expect(opKindOf("Conv", [[1, 48, 112, 112], [48, 1, 3, 3], [48]])).toBe("Conv 3×3 depthwise");
    expect(opKindOf("Conv", [[1, 72, 56, 56], [72, 1, 5, 5]])).toBe("Conv 5×5 depthwise");
    // One input channel per group but fewer groups than channels: not depthwise.
    expect(opKindOf("Conv", [[1, 2, 8, 8], [4, 1, 3, 3]])).toBe("Conv (other)");
    expect(opKindOf("FusedConv", [[1, 3, 224, 224], [16, 3, 3, 3]])).toBe("Conv (other)");
    expect(opKindOf("Conv", [])).toBe("Conv (other)");
    expect(opKindOf("FusedGemm", [[1, 72], [18]])).toBe("MatMul/Gemm");
    expect(opKindOf("MatMul", [])).toBe("MatMul/Gemm");
    expect(opKindOf("FusedMatMul", [[1, 120, 40]])).toBe("MatMul/Gemm");
    expect(opKindOf("Add", [[1, 16], [1, 16]])).toBe("Add");
  });
});
