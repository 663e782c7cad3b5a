/**
 * Names from a file reach error messages escaped and shortened (quoteName), and a file with
 * thousands of problems gives one bounded line ("… and N more") with every problem still
 * in `problems`.
 */
import { describe, expect, it } from "vitest";
import { GhostnetError, MAX_QUOTED_NAME, ModelValidationError, quoteName } from "../../src/errors.js";
import { loadModel } from "../../src/load-model.js";
import { encodeModel } from "../../src/loader/writer.js";

// eslint-disable-next-line no-control-regex
const controls = /[\u0000-\u001f\u007f-\u009f]/;

describe("quoteName", () => {
  it("escapes newlines, tabs, ESC, BEL and C1 controls as visible sequences", () => {
    expect(quoteName("a\nb\tc\u001b[31md\u0007e\u0085")).toBe("a\\nb\\tc\\u001b[31md\\u0007e\\u0085");
  });
  it("keeps ordinary and non-ASCII names as they are", () => {
    expect(quoteName("conv2d_5.w_0")).toBe("conv2d_5.w_0");
    expect(quoteName("Gewichte_ä_重み")).toBe("Gewichte_ä_重み");
  });
  it("shortens a name longer than MAX_QUOTED_NAME with an ellipsis and its length", () => {
    const long = "n".repeat(5000);
    const quoted = quoteName(long);
    expect(quoted.length).toBeLessThan(MAX_QUOTED_NAME + 20);
    expect(quoted).toContain("…");
    expect(quoted).toContain("5000");
    expect(quoteName("n".repeat(MAX_QUOTED_NAME))).toBe("n".repeat(MAX_QUOTED_NAME));
  });
});

describe("error messages from hostile files", () => {
  it("a 10,000-char op type and node name give a short one-line message", async () => {
    const bytes = encodeModel({
      opset: 13,
      nodes: [{ opType: `X${"\n".repeat(10)}${"o".repeat(10_000)}`, name: "e".repeat(10_000), inputs: ["x"], outputs: ["y"] }],
      inputs: [{ name: "x", shape: [1] }],
      outputs: [{ name: "y" }],
    });
    const error = (await loadModel(bytes).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(GhostnetError);
    expect(error.message).not.toMatch(controls);
    expect(error.message.length).toBeLessThan(400);
  });

  it("a file with 3,000 dangling inputs gives a message of at most ~1000 chars ending '… and N more'", async () => {
    const k = 3000;
    const bytes = encodeModel({
      opset: 13,
      nodes: Array.from({ length: k }, (_, i) => ({ opType: "Relu", name: `r${i}`, inputs: [`missing${i}`], outputs: [`y${i}`] })),
      inputs: [{ name: "x", shape: [1] }],
      outputs: Array.from({ length: k }, (_, i) => ({ name: `y${i}` })),
    });
    const error = (await loadModel(bytes).catch((e: unknown) => e)) as ModelValidationError;
    expect(error).toBeInstanceOf(ModelValidationError);
    expect(error.problems.length).toBeGreaterThanOrEqual(k);
    expect(error.message.length).toBeLessThanOrEqual(1100);
    expect(error.message).toMatch(new RegExp(`^${error.problems.length} problems: `));
    const more = /… and (\d+) more$/.exec(error.message);
    expect(more).not.toBeNull();
    const shown = error.message.slice(0, more!.index - 2).split("; ").length; // drop the "; " before "…"
    expect(shown + Number(more![1])).toBe(error.problems.length);
  });

  it("a direct GhostnetError with a raw newline is still one line", () => {
    expect(new ModelValidationError(["bad\nname"]).message).toBe("bad\\nname");
  });
});
