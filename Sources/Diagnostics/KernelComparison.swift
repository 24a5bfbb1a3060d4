import Engine
import Foundation

extension Benchmark {
  /// Times each convolution algorithm on every VGG-19 layer shape up to relu5_1 at `height` x
  /// `width`, forward (inC -> outC) and backward (outC -> inC), with random weights; the
  /// candidates take turns within each repeat so that load from other processes hits all alike.
  ///
  /// Returns a table of milliseconds per layer and algorithm, best of `repeats`.
  public static func compareKernels(height: Int, width: Int, repeats: Int) -> String {
    // bwd rows: "winograd" runs on kernels transformed from the adjoint weights, "adjoint" is
    // the forward's Winograd run backwards on the forward's own kernels (what VGG19 uses)
    let names = ["shifted", "winograd", "adjoint"]
    var lines = [
      "\(width)x\(height): ms per convolution (best of \(repeats)); fwd = inC->outC, bwd = outC->inC",
      "layer    direction  " + names.map { $0.padding(toLength: 15, withPad: " ", startingAt: 0) }
        .joined(),
    ]
    let scratch = Scratch()
    var totals = [Double](repeating: 0, count: names.count)
    for layer in VGG19.Layer.allCases[0...VGG19.Layer.relu5_1.depth] {
      let (h, w) = VGG19.outputSize(of: layer, height: height, width: width)
      let outC = VGG19.channelsOfDepth[layer.depth]
      let inC = layer.depth == 0 ? 3 : VGG19.channelsOfDepth[layer.depth - 1]
      for (direction, c, o) in [("fwd", inC, outC), ("bwd", outC, inC)] {
        let weights = Tensor(randomUniform: [o, c, 3, 3], in: -0.05...0.05, seed: 1).scalars
        let input = PaddedPlanes(channels: c, height: h, width: w)
        input.load(Tensor(randomUniform: [c, h, w], seed: 2))
        let output = PaddedPlanes(channels: o, height: h, width: w)
        let shifted = ShiftedConvolution(
          weights: weights, outChannels: o, inChannels: c,
          strategy: ConvolutionLayer.strategy(depth: c, outputs: o))
        let winograd = WinogradConvolution(weights: weights, outChannels: o, inChannels: c)
        // the forward convolution whose adjoint this row's backward is, (c <- o)
        let forward = WinogradConvolution(
          weights: Tensor(randomUniform: [c, o, 3, 3], in: -0.05...0.05, seed: 1).scalars,
          outChannels: c, inChannels: o)
        var runs: [() -> Void] = [
          { shifted.apply(input, into: output, scratch: scratch) },
          { winograd.apply(input, into: output, scratch: scratch) },
        ]
        if direction == "bwd" {
          runs.append { forward.applyAdjoint(input, into: output, scratch: scratch) }
        }
        var best = [Double](repeating: .infinity, count: runs.count)
        for _ in 0...repeats {  // the first round warms up
          for (index, run) in runs.enumerated() {
            let start = LayerProfile.now()
            run()
            best[index] = min(best[index], Double(LayerProfile.now() - start) * 1e-9)
          }
        }
        for index in best.indices where best[index].isFinite { totals[index] += best[index] }
        lines.append(
          "\(layer.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(direction)        "
            + best.map { String(format: "%-15.2f", $0 * 1e3) }.joined())
      }
    }
    lines.append(
      "total              " + totals.map { String(format: "%-15.2f", $0 * 1e3) }.joined())
    return lines.joined(separator: "\n")
  }
}
