import Foundation

extension Benchmark {
  /// A plain-text table of `result`: per layer milliseconds and GFLOP/s, then the totals.
  public static func table(_ result: Result) -> String {
    func ms(_ seconds: Double) -> String { pad(String(format1(seconds * 1e3)), 8) }
    func rate(_ flops: Double, _ seconds: Double) -> String {
      pad(String(Int((flops / seconds / 1e9).rounded())), 6)
    }
    var lines = [
      "\(result.width)x\(result.height): one iteration = forward to relu5_1 + backward to the image",
      "layer    shape            fwd ms  GFLOP/s  gemm ms  bwd ms  GFLOP/s  gemm ms",
    ]
    for t in result.layers {
      let shape = t.shape.map(String.init).joined(separator: "x")
      lines.append(
        "\(t.layer.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) "
          + "\(shape.padding(toLength: 14, withPad: " ", startingAt: 0)) "
          + "\(ms(t.forwardSeconds)) \(rate(t.flops, t.forwardSeconds))   \(ms(t.gemmForwardSeconds)) "
          + "\(ms(t.backwardSeconds)) \(rate(t.flops, t.backwardSeconds))   \(ms(t.gemmBackwardSeconds))"
      )
    }
    let gflop = result.iterationFlops / 1e9
    lines.append(
      "iteration \(format3(result.iterationSeconds)) s, \(format1(gflop)) GFLOP, "
        + "\(Int((gflop / result.iterationSeconds).rounded())) GFLOP/s; sgemm on the same shapes "
        + "\(format3(result.gemmBoundSeconds)) s (\(Int((gflop / result.gemmBoundSeconds).rounded())) GFLOP/s); "
        + "ratio \(format2(result.iterationSeconds / result.gemmBoundSeconds))")
    if let reference = result.referenceSeconds {
      lines.append(
        "reference (direct convolution) in the same rounds \(format3(reference)) s, "
          + "\(Int((gflop / reference).rounded())) GFLOP/s: speed-up "
          + "\(format2(reference / result.iterationSeconds))x")
    }
    if let a = result.agreement {
      lines.append(
        String(
          format: "loss %.6g vs reference %.6g: relative difference %.2e; image gradient "
            + "|difference| / |reference| %.2e (Euclidean), %.2e (largest element)",
          a.loss, a.referenceLoss, a.lossRelativeDifference, a.gradientNormRelativeDifference,
          a.gradientRelativeDifference))
    }
    return lines.joined(separator: "\n")
  }

  /// Each size's seconds per iteration against its pixel share of the largest size's: 1.0 is
  /// time proportional to pixels, 2.0 twice what its pixels would cost at the largest size.
  public static func pixelShares(_ results: [Result]) -> String {
    func pixels(_ result: Result) -> Int { result.width * result.height }
    guard results.count > 1, let largest = results.max(by: { pixels($0) < pixels($1) }) else {
      return ""
    }
    var lines = [
      "seconds per iteration against the pixel share of \(largest.width)x\(largest.height)'s "
        + "\(format3(largest.iterationSeconds)) s:"
    ]
    for result in results where pixels(result) < pixels(largest) {
      let share = largest.iterationSeconds * Double(pixels(result)) / Double(pixels(largest))
      lines.append(
        "  \(result.width)x\(result.height): \(format3(result.iterationSeconds)) s, its share "
          + "\(format3(share)) s: \(format2(result.iterationSeconds / share))x")
    }
    return lines.joined(separator: "\n")
  }

  private static func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
  }
  private static func format1(_ x: Double) -> String { String(format: "%.1f", x) }
  private static func format2(_ x: Double) -> String { String(format: "%.2f", x) }
  private static func format3(_ x: Double) -> String { String(format: "%.3f", x) }
}
