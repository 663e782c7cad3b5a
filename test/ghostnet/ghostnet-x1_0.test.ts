/**
 * GhostNet x1.0 fixtures (legacy, modern, fused): typed GhostNet, graph executor and
 * onnxruntime-node agree on a batch of 4 image-like inputs.
 */
import { describeScaleFixtures } from "./ghostnet-helpers.js";

describeScaleFixtures(1.0, { about: 20, min: 19, max: 22 });
