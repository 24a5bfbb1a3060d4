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

  @Option(help: "Pooling in VGG-19: max or avg (smoother).")
  var pooling: PoolingChoice = .max

  @Option(help: "Optimiser: lbfgs (best) or adam (less memory).")
  var optimizer: OptimizerKind = .lbfgs

  @Option(help: "Step size (default: 1 for lbfgs, 5 for adam).")
  var learningRate: Float?

  @Option(help: "L-BFGS history size (memory grows with it).")
  var historySize = 100

  @Option(help: "Most iterations per image (default 500), or per video frame after the first (default 15).")
  var iterations: Int?

  @Option(help: "Stop early when the loss changed by less than this fraction over 50 iterations (0: never).")
  var tolerance: Float = 1e-4

  @Option(help: "Seed for every random choice (runs are reproducible).")
  var seed: UInt64 = 0

  @Option(help: "Long side of the processed image in pixels (default: 512, or the input's own when smaller).")
  var size: Int?

  @Option(help: ArgumentHelp("The VGG-19 weights file (default: the cache; see README).", valueName: "path"))
  var weights: String?

  @Option(help: "Print a progress line every N iterations when standard error is not a terminal.")
  var printEvery = 25

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
    if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1.") }
    guard tolerance >= 0 else { throw ValidationError("--tolerance must be >= 0.") }
    if let size, !(32...8192).contains(size) {
      throw ValidationError("--size must be between 32 and 8192 pixels, got \(size).")
    }
    guard printEvery >= 1 else { throw ValidationError("--print-every must be at least 1.") }
    guard saveEvery >= 0 else { throw ValidationError("--save-every must be >= 0.") }
  }

  /// The long side to process `input` at: `--size`, else 512 without enlarging a smaller input.
  func longSide(for input: MediaInfo) -> Int {
    size ?? min(512, max(32, input.displayWidth, input.displayHeight))
  }

  /// Loads the network and the style images and returns style transfer with `configuration`.
  func makeStyleTransfer(_ configuration: StyleTransfer.Configuration) throws -> StyleTransfer {
    let network = try VGG19(
      weightsAt: weights ?? VGG19.defaultWeightsPath(), pooling: pooling.pooling)
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
    configuration.pooling = pooling.pooling
    configuration.optimizer = optimizer
    configuration.learningRate = learningRate ?? (optimizer == .lbfgs ? 1 : 5)
    configuration.historySize = historySize
    configuration.iterations = iterations ?? 500
    configuration.tolerance = tolerance
    configuration.seed = seed
    return configuration
  }
}

/// The style-transfer settings, in the vocabulary of neural-style and artistic-videos: the style
/// options and those of the content.
struct StylizeOptions: ParsableArguments {
  @OptionGroup var styleOptions: StyleOptions

  @Option(help: "Weight of the content loss.")
  var contentWeight: Float = 5

  @Option(help: "Content layers, comma-separated (relu1_1 ... relu5_4).")
  var contentLayers = "relu4_2"

  @Option(
    name: .customLong("init"),
    help: ArgumentHelp(
      "Start from: random (noise), content, or an image path. Default: random for images (the strongest painting, as neural-style); content for the first frame of a video (keeps the layout every later frame inherits). Later frames start from the previous one.",
      valueName: "random|content|path"))
  var initialization: String?

  @Flag(help: "Keep the content's colours: transfer only luminance.")
  var preserveColors = false

  @Flag(help: "Recolour the style image to the content's colour distribution first.")
  var colorTransfer = false

  func validate() throws {
    guard contentWeight >= 0 && contentWeight.isFinite else {
      throw ValidationError("--content-weight must be a finite number >= 0, got \(contentWeight).")
    }
    _ = try parsedLayers(contentLayers, option: "--content-layers")
    if let initialization, !["content", "random"].contains(initialization),
      !FileManager.default.fileExists(atPath: initialization)
    {
      throw ValidationError(
        "--init must be content, random or an existing image; '\(initialization)' does not exist.")
    }
  }

  /// Loads the network and the style images and returns the configured style transfer.
  func makeStyleTransfer(temporalWeight: Float, forVideo: Bool) throws -> StyleTransfer {
    var configuration = try engineConfiguration(forVideo: forVideo)
    configuration.temporalWeight = temporalWeight
    return try styleOptions.makeStyleTransfer(configuration)
  }

  /// The engine's configuration for these options (the options are validated).
  func engineConfiguration(forVideo: Bool = false) throws -> StyleTransfer.Configuration {
    var configuration = try styleOptions.engineConfiguration()
    configuration.contentWeight = contentWeight
    configuration.contentLayers = try parsedLayers(contentLayers, option: "--content-layers")
    configuration.colorTransfer = colorTransfer
    configuration.preserveColors = preserveColors
    switch initialization ?? (forVideo ? "content" : "random") {
    case "content": configuration.initialization = .content
    case "random": configuration.initialization = .random
    case let path: configuration.initialization = .image(try readImage(path))
    }
    return configuration
  }

  /// The settings as they go into `--json` summaries.
  struct Settings: Encodable {
    var style: [String]
    var styleBlendWeights: String?
    var styleScale: Double
    var contentWeight, styleWeight, tvWeight: Float
    var contentLayers, styleLayers: String
    var styleLayerWeights: String?
    var pooling: PoolingChoice
    var optimizer: OptimizerKind
    var learningRate: Float?
    var iterations: Int?
    var tolerance: Float
    var initialization: String?
    var seed: UInt64
    var preserveColors, colorTransfer: Bool
    var size: Int?
  }

  var settings: Settings {
    let style = styleOptions
    return Settings(
      style: style.style, styleBlendWeights: style.styleBlendWeights, styleScale: style.styleScale,
      contentWeight: contentWeight, styleWeight: style.styleWeight,
      tvWeight: style.totalVariationWeight, contentLayers: contentLayers,
      styleLayers: style.styleLayers, styleLayerWeights: style.styleLayerWeights,
      pooling: style.pooling, optimizer: style.optimizer, learningRate: style.learningRate,
      iterations: style.iterations, tolerance: style.tolerance, initialization: initialization,
      seed: style.seed, preserveColors: preserveColors, colorTransfer: colorTransfer,
      size: style.size)
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
