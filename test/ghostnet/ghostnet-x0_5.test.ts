/**
 * GhostNet x0.5 fixtures (legacy, modern, fused): typed GhostNet, graph executor and
 * onnxruntime-node agree on a batch of 4 image-like inputs.
 */
import { describeScaleFixtures } from "./ghostnet-helpers.js";

describeScaleFixtures(0.5, { about: 10, min: 9.5, max: 11.5 });
