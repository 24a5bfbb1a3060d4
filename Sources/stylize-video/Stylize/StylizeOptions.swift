import ArgumentParser
import Engine
import Foundation

/// The style-transfer settings, in the vocabulary of neural-style and artistic-videos: the style
/// options and those of the content.
struct StylizeOptions: ParsableArguments {
  @OptionGroup var styleOptions: StyleOptions

  @Option(help: "Weight of the content loss.")
  var contentWeight: Float = StyleTransfer.Configuration().contentWeight

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
    var historySize: Int
    var pyramidWeight: Float
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
      pooling: style.common.pooling, optimizer: style.optimizer, learningRate: style.learningRate,
      historySize: style.historySize, pyramidWeight: style.pyramidWeight, iterations: style.iterations, tolerance: style.tolerance, initialization: initialization,
      seed: style.common.seed, preserveColors: preserveColors, colorTransfer: colorTransfer,
      size: style.size)
  }
}
