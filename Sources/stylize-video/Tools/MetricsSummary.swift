import Foundation

/// What `metrics` prints: per-frame errors (index = frame - 1; `null` where undefined) and means.
struct MetricsSummary: Encodable {
  /// Frames measured (T).
  var frameCount: Int
  /// Size the frames were compared at (the stylised size).
  var width, height: Int
  /// "estimated" (built-in estimator on the original frames) or "files" (--flow-dir).
  var flow: String
  /// E_warp per frame; the last is null.
  var warpingError: [Float?]
  /// E_Ruder per frame; the first is null.
  var ruderError: [Float?]
  /// Mean E_warp over frames 1...T-1.
  var meanWarpingError: Float
  /// Mean E_Ruder over frames 2...T.
  var meanRuderError: Float
  /// Mean E_warp of the original clip itself (the floor); null with --flow-dir.
  var originalMeanWarpingError: Float?
  /// Mean E_Ruder of the original clip itself (the floor); null with --flow-dir.
  var originalMeanRuderError: Float?

  private enum CodingKeys: String, CodingKey {
    case frameCount, width, height, flow, warpingError, ruderError, meanWarpingError
    case meanRuderError, originalMeanWarpingError, originalMeanRuderError
  }

  /// Encodes every key, with `null` for the baseline when there is none.
  func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(frameCount, forKey: .frameCount)
    try container.encode(width, forKey: .width)
    try container.encode(height, forKey: .height)
    try container.encode(flow, forKey: .flow)
    try container.encode(warpingError, forKey: .warpingError)
    try container.encode(ruderError, forKey: .ruderError)
    try container.encode(meanWarpingError, forKey: .meanWarpingError)
    try container.encode(meanRuderError, forKey: .meanRuderError)
    try container.encode(originalMeanWarpingError, forKey: .originalMeanWarpingError)
    try container.encode(originalMeanRuderError, forKey: .originalMeanRuderError)
  }

  func json() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(self), as: UTF8.self)
  }

  func table() -> String {
    func cell(_ value: Float?) -> String {
      value.map { String(format: "%12.6f", $0) } ?? String(repeating: " ", count: 11) + "-"
    }
    var lines = [
      "\(frameCount) frames at \(width)x\(height), flow "
        + (flow == "files" ? "from .flo files" : "estimated on the original frames"),
      "frame       E_warp     E_Ruder",
    ]
    for index in 0..<frameCount {
      lines.append(
        String(format: "%5d", index + 1) + cell(warpingError[index]) + cell(ruderError[index]))
    }
    lines.append(" mean" + cell(meanWarpingError) + cell(meanRuderError))
    if let originalMeanWarpingError, let originalMeanRuderError {
      lines.append(
        "original clip (the floor set by flow errors and noise):"
          + String(
            format: " mean E_warp %.6f, E_Ruder %.6f", originalMeanWarpingError,
            originalMeanRuderError))
    }
    return lines.joined(separator: "\n")
  }
}
