import ArgumentParser
import Engine
import Foundation
import Video

extension OptimizerKind: ExpressibleByArgument {}

/// The pooling choices under the names users know from neural-style.
enum PoolingChoice: String, ExpressibleByArgument, CaseIterable, Codable {
  case max, avg

  var pooling: VGG19.Pooling { self == .max ? .max : .average }
}

/// The options common to every command that optimises pictures through VGG-19 (`stylize`,
/// `texture`, `explain`): the network, the seed, and how often progress is printed.
struct CommonOptions<Defaults: CommonDefaults>: ParsableArguments {
  @Option(help: "Pooling in VGG-19: max or avg (smoother).")
  var pooling: PoolingChoice = .max

  @Option(help: "Seed for every random choice (runs are reproducible).")
  var seed: UInt64 = 0

  @Option(
    help: ArgumentHelp(
      "The VGG-19 weights file (default: the cache; see README).", valueName: "path"))
  var weights: String?

  @Option(help: "Print a progress line every N iterations when standard error is not a terminal.")
  var printEvery = Defaults.printEvery

  func validate() throws {
    guard printEvery >= 1 else { throw ValidationError("--print-every must be at least 1.") }
  }

  /// Reads and checks the weights (`--weights`, else the cache) into a network with `--pooling`.
  func load() throws -> VGG19 {
    try VGG19(weightsAt: weights ?? VGG19.defaultWeightsPath(), pooling: pooling.pooling)
  }
}

/// The defaults of `CommonOptions` that differ between the commands that share it.
protocol CommonDefaults {
  /// `--print-every`.
  static var printEvery: Int { get }
}

/// `stylize` and `texture`: a line every 25 iterations.
enum StyleDefaults: CommonDefaults {
  static let printEvery = 25
}

/// `explain`: a line every 50 iterations.
enum ExplainDefaults: CommonDefaults {
  static let printEvery = 50
}

/// The starting noise of a texture or an explanation's pictures (`texture`, `explain`).
struct NoiseOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Half-width of the starting noise around the mean pixel (0-255 scale; full range by default).",
      valueName: "amplitude"))
  var initNoise: Float = 128

  func validate() throws {
    guard initNoise >= 0 && initNoise <= 255 else {
      throw ValidationError("--init-noise must be between 0 and 255, got \(initNoise).")
    }
  }
}

/// The settings of every run that matches a style image's Gram matrices: stylising and texture
/// synthesis.
struct StyleOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Style image; repeat for several styles.", valueName: "image"))
  var style: [String] = []

  @Option(help: ArgumentHelp(
    "Relative weight of each style image, comma-separated (default equal; normalised to sum 1).",
    valueName: "w1,w2,..."))
  var styleBlendWeights: String?

  @Option(help: "Style image size relative to the picture made: its area is the picture's times scale^2.")
  var styleScale: Double = 1

  @Option(help: "Weight of the style loss at each style layer.")
  var styleWeight: Float = 100

  @Option(name: .customLong("tv-weight"), help: "Weight of the total variation (smoothness).")
  var totalVariationWeight: Float = 1

  @Option(help: "Style layers, comma-separated (relu1_1 ... relu5_4).")
  var styleLayers = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1"

  @Option(help: ArgumentHelp(
    "Relative weight of each style layer, comma-separated (default all 1).", valueName: "w1,w2,..."))
  var styleLayerWeights: String?

  @Option(help: "Optimiser: lbfgs (best) or adam (less memory).")
  var optimizer: OptimizerKind = .lbfgs

  @Option(help: "Step size (default: 1 for lbfgs, 5 for adam).")
  var learningRate: Float?

  @Option(help: "L-BFGS history size (memory grows with it).")
  var historySize = StyleTransfer.Configuration().historySize

  @Option(help: ArgumentHelp(
    "Images and first frames are optimised as a pyramid of halving sizes, each coarser level weighted by this in the next (0: the pixels themselves, as warm-started frames and textures always are).",
    valueName: "weight"))
  var pyramidWeight: Float = StyleTransfer.Configuration().pyramidWeight

  @Option(help: "Most iterations per image (default 500), or per video frame after the first (default 15).")
  var iterations: Int?

  @Option(help: "Stop early when the loss changed by less than this fraction over 50 iterations (0: never).")
  var tolerance: Float = 1e-4

  @Option(help: "Long side of the processed image in pixels (default: 512, or the input's own when smaller).")
  var size: Int?

  @OptionGroup var common: CommonOptions<StyleDefaults>

  @Option(help: "Save the image being optimised every N iterations (images only; 0: never).")
  var saveEvery = 0

  func validate() throws {
    guard !style.isEmpty else { throw ValidationError("Give a style image with --style <image>.") }
    for path in style where !FileManager.default.fileExists(atPath: path) {
      throw ValidationError("Style image '\(path)' does not exist.")
    }
    for (name, value) in [("--style-weight", styleWeight), ("--tv-weight", totalVariationWeight)]
    where !(value >= 0 && value.isFinite) {
      throw ValidationError("\(name) must be a finite number >= 0, got \(value).")
    }
    guard styleScale > 0 && styleScale <= 8 else {
      throw ValidationError("--style-scale must be in (0, 8], got \(styleScale).")
    }
    let styleLayerList = try parsedLayers(styleLayers, option: "--style-layers")
    if let list = styleBlendWeights {
      let weights = try parsedWeights(list, option: "--style-blend-weights")
      guard weights.count == style.count else {
        throw ValidationError(
          "--style-blend-weights has \(weights.count) values for \(style.count) style images.")
      }
      guard weights.reduce(0, +) > 0 else {
        throw ValidationError("--style-blend-weights must not all be 0.")
      }
    }
    if let list = styleLayerWeights {
      let weights = try parsedWeights(list, option: "--style-layer-weights")
      guard weights.count == styleLayerList.count else {
        throw ValidationError(
          "--style-layer-weights has \(weights.count) values for \(styleLayerList.count) style layers.")
      }
    }
    if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
      throw ValidationError("--learning-rate must be positive, got \(learningRate).")
    }
    guard historySize >= 1 else { throw ValidationError("--history-size must be at least 1.") }
    guard pyramidWeight >= 0 && pyramidWeight <= 2 else {
      throw ValidationError("--pyramid-weight must be between 0 and 2, got \(pyramidWeight).")
    }
    if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1.") }
    guard tolerance >= 0 else { throw ValidationError("--tolerance must be >= 0.") }
    if let size, !(32...8192).contains(size) {
      throw ValidationError("--size must be between 32 and 8192 pixels, got \(size).")
    }
    guard saveEvery >= 0 else { throw ValidationError("--save-every must be >= 0.") }
  }

  /// The long side to process `input` at: `--size`, else 512 without enlarging a smaller input.
  func longSide(for input: MediaInfo) -> Int {
    size ?? min(512, max(32, input.displayWidth, input.displayHeight))
  }

  /// Loads the network and the style images and returns style transfer with `configuration`.
  func makeStyleTransfer(_ configuration: StyleTransfer.Configuration) throws -> StyleTransfer {
    let network = try common.load()
    let styles = try style.map { try readImage($0) }
    return StyleTransfer(network: network, styles: styles, configuration: configuration)
  }

  /// The engine's configuration for these options (validated), the content settings at their
  /// defaults.
  func engineConfiguration() throws -> StyleTransfer.Configuration {
    var configuration = StyleTransfer.Configuration()
    configuration.styleWeight = styleWeight
    configuration.totalVariationWeight = totalVariationWeight
    configuration.styleLayers = try parsedLayers(styleLayers, option: "--style-layers")
    configuration.styleLayerWeights = try styleLayerWeights.map {
      try parsedWeights($0, option: "--style-layer-weights")
    }
    configuration.styleBlendWeights = try styleBlendWeights.map {
      try parsedWeights($0, option: "--style-blend-weights")
    }
    configuration.styleScale = styleScale
    configuration.pooling = common.pooling.pooling
    configuration.optimizer = optimizer
    configuration.learningRate = learningRate ?? (optimizer == .lbfgs ? 1 : 5)
    configuration.historySize = historySize
    configuration.pyramidWeight = pyramidWeight
    configuration.iterations = iterations ?? 500
    configuration.tolerance = tolerance
    configuration.seed = common.seed
    return configuration
  }
}

/// `relu1_1,relu2_1` as layers; a clear message for unknown or repeated names.
func parsedLayers(_ list: String, option: String) throws -> [VGG19.Layer] {
  let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
  guard !names.isEmpty else { throw ValidationError("\(option) needs at least one layer.") }
  var layers: [VGG19.Layer] = []
  for name in names {
    guard let layer = VGG19.Layer(rawValue: name) else {
      let known = VGG19.Layer.allCases.map(\.rawValue).joined(separator: ", ")
      throw ValidationError("\(option): unknown layer '\(name)' (known: \(known)).")
    }
    guard !layers.contains(layer) else {
      throw ValidationError("\(option): layer '\(name)' is listed twice.")
    }
    layers.append(layer)
  }
  return layers
}

/// `1,0.5` as non-negative finite weights.
func parsedWeights(_ list: String, option: String) throws -> [Float] {
  try list.split(separator: ",").map { item in
    let text = item.trimmingCharacters(in: .whitespaces)
    guard let value = Float(text), value.isFinite, value >= 0 else {
      throw ValidationError("\(option): '\(text)' is not a number >= 0.")
    }
    return value
  }
}
