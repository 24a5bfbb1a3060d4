import ArgumentParser

/// How a video output is encoded: the options of every command that writes one.
struct EncodeOptions: ParsableArguments {
  @Option(help: "Video quality: x264 CRF, lower is better (default 18; VP9 32).")
  var crf: Int?

  @Option(help: "x264 preset (default medium).")
  var preset: String?

  func validate() throws {
    if let crf, !(0...63).contains(crf) { throw ValidationError("--crf must be in 0...63.") }
  }
}
