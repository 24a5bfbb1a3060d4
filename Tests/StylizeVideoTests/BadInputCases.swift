import CFFmpeg
import Foundation

@testable import Video

// The corpus cases besides broken files: valid but unusual inputs, frame folders and patterns,
// bad style images, and outputs that cannot or must not be written.
extension BadInputTests {
  /// Odd and extreme sizes, rotation, 10-bit, 4:4:4, RGBA, palette, gray and 16-bit inputs.
  /// (The metrics of a single picture are refused: they compare consecutive frames.)
  func validFileRuns() throws -> [CorpusRun] {
    var runs: [CorpusRun] = []
    func add(_ name: String, _ path: String, except: [String: CorpusRun.Expectation] = [:]) {
      let picture = ext(of: path) == "png"
      runs += everyCommand(
        name, path, .works, ext: ext(of: path),
        except: except.merging(picture ? ["metrics": .fails] : [:]) { first, _ in first })
    }
    let gradient = { (x: Int, y: Int) -> [UInt8] in [UInt8(x * 7 % 256), UInt8(y * 5 % 256), 128] }
    add("1x1.png", try corpus.write("1x1.png", PNGBytes.rgb(width: 1, height: 1, color: gradient)))
    // At --size 32 it is 1x32: too small for the network.
    add(
      "2x10000.png",
      try corpus.write("2x10000.png", PNGBytes.rgb(width: 2, height: 10_000, color: gradient)),
      except: ["stylize": .fails])
    add("7x5.png", try corpus.write("7x5.png", PNGBytes.rgb(width: 7, height: 5, color: gradient)))
    add("7x5.mkv", try corpus.clip("7x5.mkv", width: 7, height: 5, codec: SyntheticMediaCodecs.ffv1))
    add("rotated-90.mp4", try corpus.clip("rotated-90.mp4", rotation: 90))
    add("with-audio.mp4", try corpus.clip("with-audio.mp4", audio: true))
    add("vp9.webm", try corpus.clip("vp9.webm"))
    let x264 = VideoCodec.forExtension("mp4", crf: nil, preset: "ultrafast")!
    var tenBit = x264
    tenBit.pixelFormat = AV_PIX_FMT_YUV420P10LE
    add("10-bit.mkv", try corpus.clip("10-bit.mkv", codec: tenBit))
    var full = x264
    full.pixelFormat = AV_PIX_FMT_YUV444P
    add("yuv444.mp4", try corpus.clip("yuv444.mp4", codec: full))
    let rgba: [[UInt8]] = (0..<24).map { (y: Int) -> [UInt8] in
      (0..<32).flatMap { (x: Int) -> [UInt8] in gradient(x, y) + [UInt8(x * 8)] }
    }
    add("rgba.png", try corpus.write("rgba.png", PNGBytes.file(width: 32, height: 24, colorType: 6, rows: rgba)))
    let palette: [UInt8] = (0..<16).flatMap { (i: Int) -> [UInt8] in
      [UInt8(i * 16), UInt8(255 - i * 16), 90]
    }
    let indices = (0..<24).map { y in (0..<32).map { x in UInt8((x / 2 + y) % 16) } }
    add(
      "palette.png",
      try corpus.write(
        "palette.png",
        PNGBytes.file(width: 32, height: 24, colorType: 3, rows: indices, palette: palette)))
    let gray = (0..<24).map { y in (0..<32).map { x in UInt8((x + y) * 4) } }
    add("gray.png", try corpus.write("gray.png", PNGBytes.file(width: 32, height: 24, colorType: 0, rows: gray)))
    // 16-bit big-endian samples: R = x * 2048, G = y * 2560, B = 25345.
    let deep: [[UInt8]] = (0..<24).map { (y: Int) -> [UInt8] in
      (0..<32).flatMap { (x: Int) -> [UInt8] in [UInt8(x * 8), 0, UInt8(y * 10), 0, 99, 1] }
    }
    add(
      "16-bit.png",
      try corpus.write("16-bit.png", PNGBytes.file(width: 32, height: 24, bitDepth: 16, colorType: 2, rows: deep)))
    let corrupt = try corpus.clip("source/clean.mkv", frames: 12)
    add(
      "corrupt-first-frames.mkv",
      try corpus.corruptingFirstFrames(corrupt, frames: 2, as: "corrupt-first-frames.mkv"))
    // Cut in the middle of frame 6: frames 1-5 are there.
    for ext in ["mp4", "mkv", "webm"] {
      let source = try corpus.clip("source/long.\(ext)", frames: 12)
      let sixth = try BadInputCorpus.videoPackets(source, count: 6)[5]
      add(
        "truncated-mid-stream.\(ext)",
        try truncation(source, label: "mid-stream", count: sixth.offset + sixth.size / 2).1)
    }
    return runs
  }

  /// Frame folders (mixed sizes, a text file among the frames, a broken frame, none at all)
  /// and a pattern that matches nothing.
  func folderRuns() throws -> [CorpusRun] {
    var runs: [CorpusRun] = []
    let mixed = try corpus.frameFolder("mixed-sizes", sizes: [(32, 24), (32, 24), (40, 30)])
    runs += everyCommand("folder/mixed-sizes", mixed, .works, ext: "")
    let text = try corpus.frameFolder("with-text-file", sizes: [(32, 24), (32, 24), (32, 24)])
    try corpus.write("with-text-file/notes.txt", Array("shot list\n".utf8))
    runs += everyCommand("folder/with-text-file", text, .works, ext: "")
    let broken = try corpus.frameFolder("with-broken-png", sizes: [(32, 24), (32, 24), (32, 24)])
    try corpus.write("with-broken-png/00002.png", Array(PNGBytes.rgb(width: 32, height: 24) { _, _ in [9, 9, 9] }.prefix(90)))
    // probe and flow read only the first frame, which is good.
    runs += everyCommand(
      "folder/with-broken-png", broken, .fails, ext: "", names: "00002.png",
      except: ["probe": .works, "flow": .works])
    let empty = corpus.path("empty-folder")
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    runs += everyCommand("folder/empty", empty, .fails, ext: "", names: "empty-folder")
    let pattern = corpus.path("mixed-sizes/shot-%03d.png")
    runs += everyCommand("pattern-matching-nothing", pattern, .fails, ext: "", names: "shot-%03d.png")
    runs += everyCommand("missing.mp4", corpus.path("missing.mp4"), .fails)
    return runs
  }

  /// Style images that are videos or garbage; outputs in a missing or read-only folder, or
  /// named like the input; flow between pictures of two sizes.
  func styleAndOutputRuns() throws -> [CorpusRun] {
    let input = try corpus.clip("input.mp4")
    var runs: [CorpusRun] = []
    func main(
      _ name: String, _ arguments: [String], _ expectation: CorpusRun.Expectation, names: String,
      output: String? = nil
    ) {
      runs.append(
        CorpusRun(
          name: name, command: "stylize", arguments: arguments, expectation: expectation,
          names: names, inputs: [input, style], output: output))
    }
    for (name, file) in [
      ("style-is-a-video", try corpus.clip("style-video.mp4")),
      ("style-is-garbage", try corpus.write("style-garbage.png", BadInputCorpus.randomBytes(3000, seed: 7))),
      ("style-zero-byte", try corpus.write("style-empty.jpg", [])),
      ("style-missing", corpus.path("style-missing.png")),
      (
        "style-2x3000",
        try corpus.write("style-2x3000.png", PNGBytes.rgb(width: 2, height: 3000) { _, y in [UInt8(y % 256), 9, 9] })
      ),
    ] {
      let works = ["style-is-a-video", "style-2x3000"].contains(name)
      let expectation: CorpusRun.Expectation = works ? .works : .fails
      let run = stylize(input, label: name, ext: "mp4", style: file)
      main(name, run.arguments, expectation, names: URL(fileURLWithPath: file).lastPathComponent, output: run.output)
    }
    let missing = folder.path("out/no-such-folder/x.mp4")
    main("output-in-missing-folder", stylize(input, label: "x", ext: "mp4").arguments.replacing([folder.path("out/x.mp4")], with: [missing]), .fails, names: "no-such-folder")
    let readOnly = try readOnlyFolder()
    main("output-in-read-only-folder", stylize(input, label: "x", ext: "mp4").arguments.replacing([folder.path("out/x.mp4")], with: [readOnly + "/x.mp4"]), .fails, names: readOnly)
    for extra in [[], ["--overwrite"]] {
      var arguments = stylize(input, label: "x", ext: "mp4", extra: extra).arguments
      arguments = arguments.replacing([folder.path("out/x.mp4")], with: [input])
      main("output-is-the-input" + extra.joined(), arguments, .fails, names: "input.mp4")
    }
    main("output-unknown-extension", stylize(input, label: "x", ext: "xyz").arguments, .fails, names: "x.xyz")
    let small = try corpus.write("small.png", PNGBytes.rgb(width: 16, height: 12) { x, _ in [UInt8(x), 0, 0] })
    let large = try corpus.write("large.png", PNGBytes.rgb(width: 20, height: 12) { x, _ in [UInt8(x), 0, 0] })
    runs.append(
      CorpusRun(
        name: "flow-two-sizes", command: "flow",
        arguments: ["flow", small, large, "-o", folder.path("out/two.flo")], expectation: .fails,
        names: "large.png", inputs: [small, large]))
    runs.append(
      CorpusRun(
        name: "flow-output-in-missing-folder", command: "flow",
        arguments: ["flow", small, small, "-o", folder.path("out/none/a.flo")], expectation: .fails,
        names: "none", inputs: [small]))
    return runs
  }

  /// A folder this process cannot write to: mode 0555, or for root (whom modes do not stop)
  /// /sys, where no file can be created.
  func readOnlyFolder() throws -> String {
    if geteuid() == 0 { return "/sys" }
    let path = folder.path("read-only")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    chmod(path, 0o555)
    return path
  }
}
