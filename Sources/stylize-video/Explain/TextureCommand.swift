import ArgumentParser
import Engine
import Foundation
import Video

/// `stylize-video texture --style painting.jpg -o texture.png`: what a style contributes, alone.
struct Texture: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Synthesise a texture from a style image alone (no content).",
    discussion: """
      Texture synthesis (Gatys, Ecker & Bethge 2015): the pixels start as noise (--seed, \
      --init-noise) and are \
      changed until their Gram matrices at --style-layers match the style image's; the loss is \
      the main command's style loss plus the total variation, with no content term. The result \
      is what stylising adds to a picture, seen on its own and without a video: a quick way to \
      judge a style image. relu1_1 alone gives colours and fine grain, deeper layers larger \
      motifs (`stylize-video explain` shows each).

      The texture has the (first) style image's aspect ratio, its long side --size pixels \
      (default: 512, or the style image's own when smaller); the \
      style image is resized to the texture's area times --style-scale^2. The output is written \
      under a temporary name and renamed.

      Example:
        stylize-video texture --style painting.jpg -o texture.png --size 256
      """)

  @OptionGroup(title: "Style") var options: StyleOptions

  @Option(name: [.short, .customLong("output")], help: ArgumentHelp(
    "The texture to write, .png or .jpg (default: <style stem>-texture.png beside the style).",
    valueName: "path"))
  var output: String?

  @OptionGroup var noise: NoiseOptions

  @Flag(help: "Replace an existing output.")
  var overwrite = false

  @Flag(help: "No progress on standard error.")
  var quiet = false

  func validate() throws {
    try validateImageExtension(output, option: "--output")
  }

  /// The output path: `--output`, else `<style stem>-texture.png` beside the first style image.
  var outputPath: String { output ?? pathBeside(options.style[0], suffix: "-texture.png") }

  func run() throws {
    let started = Date()
    let outputPath = outputPath
    try checkOutput(outputPath, overwrite: overwrite)
    var configuration = try options.engineConfiguration()
    configuration.noiseAmplitude = noise.initNoise
    let transfer = try options.makeStyleTransfer(configuration)
    let style = try MediaInfo.probe(options.style[0])
    let longSide = options.longSide(for: style)
    let scale = Double(longSide) / Double(max(style.displayWidth, style.displayHeight))
    let progress = ProgressReporter(quiet: quiet)
    let job = ImageJob(
      transfer: transfer, progress: progress, printEvery: options.common.printEvery,
      saveEvery: options.saveEvery, outputPath: outputPath, overwrite: overwrite)
    let summary = try job.synthesizeTexture(
      width: max(16, Int((Double(style.displayWidth) * scale).rounded())),
      height: max(16, Int((Double(style.displayHeight) * scale).rounded())))
    progress.closeLine()
    let losses = String(
      format: "style loss %.4g -> %.4g", summary.firstLosses?.style ?? .nan,
      summary.frameLosses.last?.style ?? .nan)
    progress.log(
      "Wrote \(outputPath) (\(losses), \(summary.iterations) iterations, "
        + "\(formatDuration(Date().timeIntervalSince(started))))")
  }
}
