/**
 * GhostNet x1.3 fixtures (legacy, modern, fused): typed GhostNet, graph executor and
 * onnxruntime-node agree on a batch of 4 image-like inputs.
 */
import { describeScaleFixtures } from "./ghostnet-helpers.js";

describeScaleFixtures(1.3, { about: 29, min: 28, max: 31 });
