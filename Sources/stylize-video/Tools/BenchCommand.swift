import ArgumentParser
import Diagnostics
import Engine
import Foundation

/// The parts of `bench` that can run on their own.
enum BenchPart: String, ExpressibleByArgument, CaseIterable {
  case network, flow, lbfgs
}

/// `stylize-video bench`: how fast one style-transfer iteration and the optical flow run here.
struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Time VGG-19 forward + backward per layer against plain sgemm, and the optical flow.",
    discussion: """
      One iteration is a forward pass to relu5_1, the style losses at relu1_1, relu2_1, relu3_1, \
      relu4_1 and relu5_1 and the content loss at relu4_2, and the backward pass to the image. \
      Times are the best of the repeats.
      The flow part times one frame pair at 512x288 and 1024x436 (best of 3) and reports the \
      end-point error (EPE) on three synthetic scenes with known flow.
      """)

  @Flag(
    help: """
      Instead of the parts: stylise a whole clip at the main command's default settings \
      (--video, default \(ClipBenchmark.sampleClip)) and print where the time went.
      """)
  var clip = false

  @Option(help: ArgumentHelp("The clip for --clip (implies --clip).", valueName: "path"))
  var video: String?

  @Option(
    help: ArgumentHelp(
      "The style image for --clip (default: \(ClipBenchmark.sampleStyle)).", valueName: "path"))
  var style: String?

  @Option(help: "With --clip: only the first N frames (the first frame alone takes minutes).")
  var frames: Int?

  @Option(help: "With --clip: whole-clip runs; the fastest is reported.")
  var clipRuns = 1

  @Option(name: .customLong("clip-size"), help: "With --clip: the long side of the frames stylised, in pixels (default: the main command's, 512 or the clip's own when smaller).")
  var clipSize: Int?

  @Option(
    help: """
      Run only this part: network, flow, or lbfgs (one optimiser step with a full history at \
      each size; default: all three).
      """)
  var only: BenchPart?

  @Option(help: "Comma-separated image sizes, WIDTHxHEIGHT.")
  var sizes = "256x256,512x288,512x512,1280x720"

  @Option(help: "Repeats per measurement; the best is reported.")
  var repeats = 5

  @Option(help: "The VGG-19 weights file (default: $STYLIZE_VIDEO_WEIGHTS or the cache folder).")
  var weights: String?

  @Flag(help: "Use random weights instead of the weights file (the timing is the same).")
  var randomWeights = false

  @Flag(
    help: """
      Also time a reference network without Winograd convolutions in the same rounds, and \
      compare the two networks' loss and image gradient.
      """)
  var reference = false

  @Option(help: ArgumentHelp("Convolution strategy for tuning.", visibility: .hidden))
  var strategy: String?

  @Option(
    help: ArgumentHelp("Scratch elements per convolution stripe, for tuning.", visibility: .hidden))
  var stripeBudget: Int?

  @Flag(
    help: ArgumentHelp(
      "Compare the convolution algorithms per layer shape instead.", visibility: .hidden))
  var compareKernels = false

  func parsedSizes() throws -> [(width: Int, height: Int)] {
    try sizes.split(separator: ",").map { item in
      let parts = item.lowercased().split(separator: "x").compactMap { Int($0) }
      guard parts.count == 2, parts[0] >= 16, parts[1] >= 16 else {
        throw ValidationError("--sizes: '\(item)' is not WIDTHxHEIGHT with both at least 16.")
      }
      return (parts[0], parts[1])
    }
  }

  func validate() throws {
    _ = try parsedSizes()
    let wholeClip = clip || video != nil
    if !wholeClip, style != nil || frames != nil {
      throw ValidationError("--style and --frames go with --clip.")
    }
    if let frames, frames < 1 { throw ValidationError("--frames must be at least 1.") }
    guard clipRuns >= 1 else { throw ValidationError("--clip-runs must be at least 1.") }
    if let clipSize, clipSize < 16 { throw ValidationError("--clip-size must be at least 16.") }
    for path in [video ?? ClipBenchmark.sampleClip, style ?? ClipBenchmark.sampleStyle]
    where wholeClip && !FileManager.default.fileExists(atPath: path) {
      throw ValidationError("'\(path)' does not exist (the samples: make samples).")
    }
    guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1.") }
    if let strategy, !Benchmark.convolutionStrategies.contains(strategy) {
      throw ValidationError(
        "--strategy must be one of \(Benchmark.convolutionStrategies.joined(separator: ", ")).")
    }
  }

  mutating func run() throws {
    print("OpenBLAS kernels: \(blasKernelName)")
    if clip || video != nil {
      installInterruptHandler()
      let benchmark = ClipBenchmark(
        clip: video ?? ClipBenchmark.sampleClip, style: style ?? ClipBenchmark.sampleStyle,
        frames: frames, size: clipSize, weights: weights, runs: clipRuns)
      print(try benchmark.run())
      return
    }
    if only == nil || only == .network { try runNetwork() }
    if only == nil || only == .flow { print(flowBenchmark()) }
    if only == nil || only == .lbfgs {
      for (width, height) in try parsedSizes() {
        print(Benchmark.lbfgsStep(elements: 3 * width * height, repeats: repeats))
      }
    }
  }

  /// The network table for each size.
  private func runNetwork() throws {
    if compareKernels {
      for (width, height) in try parsedSizes() {
        print(Benchmark.compareKernels(height: height, width: width, repeats: repeats))
      }
      return
    }
    _ = Benchmark.configure(strategy: strategy, stripeBudget: stripeBudget)
    let start = Date()
    let load = {
      randomWeights
        ? VGG19(randomWeightsSeed: 1)
        : try VGG19(weightsAt: weights ?? VGG19.defaultWeightsPath())
    }
    Benchmark.useWinograd(false)
    let referenceNetwork = reference ? try load() : nil
    Benchmark.useWinograd(true)
    let network = try load()
    print(
      String(
        format: "weights %@ in %.3f s", randomWeights ? "generated" : "read and verified",
        Date().timeIntervalSince(start)))
    var results: [Benchmark.Result] = []
    for (width, height) in try parsedSizes() {
      let result = Benchmark.run(
        network: network, reference: referenceNetwork, height: height, width: width,
        repeats: repeats)
      print(Benchmark.table(result))
      print()
      results.append(result)
    }
    let shares = Benchmark.pixelShares(results)
    if !shares.isEmpty { print(shares + "\n") }
  }
}
