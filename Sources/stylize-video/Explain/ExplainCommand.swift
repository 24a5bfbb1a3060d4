import ArgumentParser
import Engine
import Foundation
import Video

/// `stylize-video explain --style painting.jpg -o report/`: why Gram matrices capture style, in
/// pictures made by the engine.
struct Explain: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write a report (HTML + PNGs) that shows why Gram matrices capture style.",
    discussion: """
      The report folder holds index.html (one self-contained page, readable \
      offline) and the PNGs it shows:
        texture-relu1_1.png ... texture-relu5_1.png    one layer's Gram matrix each
        texture-relu1_1-to-relu2_1.png ... -relu5_1    growing sets of layers
        reconstruction-relu1_1.png ... -relu5_1.png    raw activations of the content
        style-shuffled.png, texture-shuffled.png,      the style's tiles shuffled:
        reconstruction-shuffled-relu3_1.png            same texture, other layout
        gram-relu1_1.png ... gram-relu5_1.png          the style's Gram matrices
        coactivation-relu1_1.png ... -relu5_1.png      where the strongest pair fires
        style.png (and content.png)                    the inputs at the size used
      Without --content the style image is also the content, so every figure is kept and the \
      reconstructions show the style image's own layout next to its textures.

      Every picture is an optimisation from noise at --size (textures: --iterations L-BFGS \
      steps; reconstructions: half as many), 16 of them (17 with --content): 5-10 minutes on \
      2 cores at the defaults. The folder is written under a temporary name and renamed when complete.

      Example:
        stylize-video explain --style painting.jpg --content photo.jpg -o report/
      """)

  @Option(help: ArgumentHelp("The style image.", valueName: "image"))
  var style: String

  @Option(
    help: ArgumentHelp(
      "The image to rebuild from raw activations, or a video (its first frame); default: the style.",
    valueName: "image"))
  var content: String?

  @Option(
    name: [.short, .customLong("output")],
    help: ArgumentHelp(
      "The report folder (default: <style stem>-explained beside the style).", valueName: "folder"))
  var output: String?

  @Option(help: "Long side of the pictures in pixels.")
  var size = 160

  @Option(help: "Most L-BFGS iterations per texture (reconstructions: half).")
  var iterations = 150

  @OptionGroup var common: CommonOptions<ExplainDefaults>

  @OptionGroup var noise: NoiseOptions

  @Flag(help: "Replace an existing report folder.")
  var overwrite = false

  @Flag(help: "No progress on standard error.")
  var quiet = false

  func validate() throws {
    for (option, path) in [("--style", style), ("--content", content)] {
      if let path, !FileManager.default.fileExists(atPath: path) {
        throw ValidationError("\(option) image '\(path)' does not exist.")
      }
    }
    // 64 px: relu5_1 still has 4x4 positions and the shuffle two 32 px tiles across.
    guard (64...2048).contains(size) else {
      throw ValidationError("--size must be between 64 and 2048 pixels, got \(size).")
    }
    guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1.") }
  }

  /// `--output`, else `<style stem>-explained` beside the style image.
  var outputPath: String { output ?? pathBeside(style, suffix: "-explained") }

  func run() throws {
    let started = Date()
    let outputPath = outputPath
    try checkOutput(outputPath, overwrite: overwrite)
    let network = try common.load()
    let read = { (path: String) in
      Image(try readFirstFrame(path, options: ReadOptions(longSide: size)))
    }
    let report = ExplainReport(
      style: try read(style), content: try content.map(read), iterations: iterations,
      seed: common.seed)
    let progress = ProgressReporter(quiet: quiet)
    try writeFolder(outputPath, overwrite: overwrite) { folder in
      try runSyntheses(of: report, network: network, into: folder, progress: progress)
      let facts = report.layerFacts(network: network)
      for (name, image) in report.drawnPictures(facts) {
        try writeImage(VideoFrame(image, time: 0), to: folder + "/" + name)
      }
      let page = report.html(
        facts,
        run: ExplainReport.RunFacts(
          styleName: URL(fileURLWithPath: style).lastPathComponent,
          contentName: content.map { URL(fileURLWithPath: $0).lastPathComponent },
          pooling: common.pooling.rawValue, seed: common.seed,
          seconds: Date().timeIntervalSince(started)))
      try Data(page.utf8).write(to: URL(fileURLWithPath: folder + "/index.html"))
    }
    let seconds = Date().timeIntervalSince(started)
    progress.log("Wrote \(outputPath)/index.html and its pictures (\(formatDuration(seconds)))")
  }

  /// Runs every optimisation of `report`, writing each picture into `folder`, with one ETA for
  /// all of them: the seconds per floating-point operation so far times the operations left.
  private func runSyntheses(
    of report: ExplainReport, network: VGG19, into folder: String, progress: ProgressReporter
  ) throws {
    let syntheses = report.syntheses
    let costs = syntheses.map { report.cost(of: $0, network: network) }
    var (total, finishedCost) = (costs.reduce(0, +), 0.0)
    let start = Date()
    for (index, synthesis) in syntheses.enumerated() {
      let stepStart = Date()
      let flopsPerIteration = costs[index] / Double(synthesis.iterations)
      let title = "[\(index + 1)/\(syntheses.count)] \(synthesis.fileName)"
      var firstLoss: Float?
      let result = report.run(synthesis, network: network, noise: (noise.initNoise, common.seed)) { state in
        if firstLoss == nil { firstLoss = state.losses.total }
        let done = finishedCost + Double(state.iteration) * flopsPerIteration
        let eta = (total - done) * Date().timeIntervalSince(start) / done
        progress.update(
          "\(title)  iter \(state.iteration)/\(state.iterations)  "
            + String(format: "loss %.4g", state.losses.total) + "  ETA (all) "
            + formatDuration(eta),
          milestone: state.iteration % common.printEvery == 0)
      }
      // A run that stopped early leaves its remaining iterations out of the total.
      finishedCost += Double(result.iterations) * flopsPerIteration
      total -= Double(synthesis.iterations - result.iterations) * flopsPerIteration
      try writeImage(VideoFrame(result.image, time: 0), to: folder + "/" + synthesis.fileName)
      let seconds = Date().timeIntervalSince(stepStart)
      progress.log(
        "\(title)  " + String(format: "loss %.4g -> %.4g", firstLoss ?? .nan, result.losses.total)
          + " in \(result.iterations) iterations, \(formatDuration(seconds))")
    }
  }
}
