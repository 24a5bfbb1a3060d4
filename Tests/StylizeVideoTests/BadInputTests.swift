import CFFmpeg
import Engine
import Foundation
import TestSupport
import Testing

@testable import Video

/// The built command over a corpus of broken, truncated, odd and extreme inputs (generated
/// here): each run must end within a time limit, by exit and not by a signal, leave its inputs
/// byte-identical, and either work (valid input) or fail with a one-line error that names the
/// file. With `STYLIZE_VIDEO_CORPUS_TABLE=<path>` the table of runs (case, command, exit code,
/// first line of the message, time) is written there (`scripts/bad-input-table.sh`).
@Suite(.serialized) struct BadInputTests {
  let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("stylize-video").path
  let folder: TemporaryFolder
  let corpus: BadInputCorpus
  let style: String
  /// Generous for a loaded 2-core machine: a valid case takes a few seconds.
  let timeLimit = 60.0

  init() throws {
    folder = try TemporaryFolder(prefix: "bad-input")
    corpus = try BadInputCorpus(in: folder.path("in"))
    try FileManager.default.createDirectory(
      atPath: folder.path("out"), withIntermediateDirectories: true)
    style = try corpus.write(
      "style.png", PNGBytes.rgb(width: 32, height: 32) { x, y in
        [(x + y) / 4 % 2 == 0 ? 230 : 20, UInt8(x * 8), 90]
      })
  }

  /// The main command on `input` at the smallest settings, output `out/<label>.<ext>`.
  func stylize(
    _ input: String, label: String, ext: String, extra: [String] = [], style: String? = nil
  ) -> (arguments: [String], output: String) {
    let output = folder.path("out/\(label)" + (ext.isEmpty ? "" : ".\(ext)"))
    return (
      [
        input, "--style", style ?? self.style, "-o", output, "--size", "32", "--first-scales", "1",
        "--first-iterations", "2", "--iterations", "1", "--preview", "2", "--quiet",
      ] + extra, output
    )
  }

  /// The four commands over one input file: stylize, probe, flow (the file against itself)
  /// and metrics (the file against itself), expected to `expectation` except where `except`
  /// says otherwise (by command).
  func everyCommand(
    _ name: String, _ input: String, _ expectation: CorpusRun.Expectation, ext: String = "mp4",
    names: String? = nil, except: [String: CorpusRun.Expectation] = [:]
  ) -> [CorpusRun] {
    let names = names ?? URL(fileURLWithPath: input).lastPathComponent
    let label = name.replacingOccurrences(of: "/", with: "-")
    let main = stylize(input, label: label, ext: ext)
    func run(_ command: String, _ arguments: [String], output: String? = nil) -> CorpusRun {
      CorpusRun(
        name: name, command: command, arguments: arguments,
        expectation: except[command] ?? expectation,
        names: names, inputs: [input], output: output)
    }
    return [
      run("stylize", main.arguments, output: main.output),
      run("probe", ["probe", input]),
      run("flow", ["flow", input, input, "-o", folder.path("out/\(label).flo"), "--size", "32"]),
      run("metrics", ["metrics", "--original", input, "--stylized", input, "--size", "32"]),
    ]
  }

  @Test func everyCorpusCaseEndsCleanly() throws {
    try #require(
      FileManager.default.fileExists(atPath: VGG19.defaultWeightsPath()),
      "VGG-19 weights missing: run `make weights`")
    defer { folder.remove() }
    let runs = try brokenFileRuns() + (try validFileRuns()) + (try folderRuns())
      + (try styleAndOutputRuns())
    var rows = ["| case | command | exit | first line of the message | s |", "|---|---|---|---|---|"]
    var problems = 0
    for run in runs {
      let before = run.inputs.map(contentsDigest)
      let execution = try Execution.run(binary, run.arguments, timeout: timeLimit)
      rows.append(run.row(execution))
      if let problem = run.problem(with: execution) {
        problems += 1
        Issue.record("\(run.name) (\(run.command)): \(problem)\n\(execution.errors)")
      }
      #expect(run.inputs.map(contentsDigest) == before, "\(run.name) (\(run.command)) changed its input")
    }
    #expect(Set(runs.map(\.name)).count >= 40, "the corpus has \(Set(runs.map(\.name)).count) cases")
    if let tablePath = ProcessInfo.processInfo.environment["STYLIZE_VIDEO_CORPUS_TABLE"] {
      rows.append("\n\(runs.count) runs over \(Set(runs.map(\.name)).count) cases, \(problems) problems")
      try (rows.joined(separator: "\n") + "\n").write(
        toFile: tablePath, atomically: true, encoding: .utf8)
    }
  }

  /// Empty, random, truncated and corrupt files, and files with no video in them.
  func brokenFileRuns() throws -> [CorpusRun] {
    var files: [(String, String)] = []
    for ext in ["mp4", "png", "jpg"] {
      files.append(("zero-byte.\(ext)", try corpus.write("zero-byte.\(ext)", [])))
    }
    for (seed, ext) in ["mp4", "mkv", "webm", "mov", "png", "jpg"].enumerated() {
      let bytes = BadInputCorpus.randomBytes(4096, seed: UInt64(seed + 1))
      files.append(("random-bytes.\(ext)", try corpus.write("random-bytes.\(ext)", bytes)))
    }
    files.append(("text.mp4", try corpus.write("text.mp4", Array("not a video\n".utf8))))
    for ext in ["mp4", "mkv", "webm"] {
      let source = try corpus.clip("source/whole.\(ext)", frames: 12)
      let keyframe = try BadInputCorpus.videoPackets(source, count: 1)[0]
      files.append(try truncation(source, label: "header", count: 60))
      files.append(
        try truncation(source, label: "first-keyframe", count: keyframe.offset + keyframe.size / 2))
    }
    let stylePNG = try [UInt8](Data(contentsOf: URL(fileURLWithPath: style)))
    files.append(("truncated.png", try corpus.write("truncated.png", Array(stylePNG.prefix(200)))))
    files.append(("audio-only.wav", try corpus.wav("audio-only.wav")))
    let huge = PNGBytes.file(
      width: 16000, height: 16000, colorType: 2, rows: [[UInt8](repeating: 0, count: 48)])
    files.append(("declared-16000x16000.png", try corpus.write("declared-16000x16000.png", huge)))
    files.append(("notes.txt", try corpus.write("notes.txt", Array("frame list\n".utf8))))
    return files.flatMap { everyCommand($0.0, $0.1, .fails, ext: ext(of: $0.1)) }
  }

  /// The first `count` bytes of `source` as `truncated-<label>.<ext>`.
  func truncation(_ source: String, label: String, count: Int) throws -> (String, String) {
    let name = "truncated-\(label).\(URL(fileURLWithPath: source).pathExtension)"
    return (name, try corpus.truncated(source, to: count, as: name))
  }

  /// The output extension for an input: pictures give pictures, the rest mp4.
  func ext(of input: String) -> String {
    ["png", "jpg"].contains(URL(fileURLWithPath: input).pathExtension) ? "png" : "mp4"
  }
}

/// Codecs the corpus writes besides those picked by extension.
enum SyntheticMediaCodecs {
  static let ffv1 = VideoCodec(name: "ffv1", pixelFormat: AV_PIX_FMT_BGR0, options: [:])
}
