import Engine
import Foundation
import TestSupport
import Testing
import Video

@testable import stylize_video

/// `plan`, `run-segment` and `assemble` as a batch engine would run them: separate processes of
/// the built command, in parallel, in any order, one killed and run again. Uses the real weights.
@Suite(.serialized) struct SegmentTests {
  let folder: TemporaryFolder
  /// The hard cut of the generated clip: frames 0...6 show one scene, 7...15 another.
  static let cut = 7
  static let frameCount = 16

  init() throws {
    folder = try TemporaryFolder(prefix: "segment-tests")
    try FileManager.default.createDirectory(
      atPath: folder.path("clip"), withIntermediateDirectories: true)
    for index in 0..<Self.frameCount {
      try writeImage(Self.clipFrame(index), to: folder.path(String(format: "clip/%03d.png", index)))
    }
    var style: [UInt8] = []
    for y in 0..<32 {
      for x in 0..<32 { style += [(x + y) / 4 % 2 == 0 ? 230 : 20, UInt8(x * 8), 90] }
    }
    try writeImage(VideoFrame(width: 32, height: 32, rgb: style), to: folder.path("style.png"))
  }

  /// Frame `index` of a 48x32 clip: a smooth scene drifting right, then (from `cut`) red and
  /// blue checks drifting left.
  static func clipFrame(_ index: Int) -> VideoFrame {
    guard index >= cut else {
      return TestPictures.scene(width: 48, height: 32, offset: (Float(index), 0))
    }
    var rgb: [UInt8] = []
    for y in 0..<32 {
      for x in 0..<48 {
        let check = ((x + index - cut) / 6 + y / 6) % 2 == 0
        rgb += check ? [220, UInt8(40 + x), 40] : [30, UInt8(60 + y), 200]
      }
    }
    return VideoFrame(width: 48, height: 32, rgb: rgb)
  }

  func plan(_ name: String, extra: [String] = []) throws -> SegmentPlan {
    let made = try BuiltCommand.run(
      [
        "plan", folder.path("clip"), "--style", folder.path("style.png"), "-o",
        folder.path(name + ".json"), "--segment-frames", "4", "--overlap", "2", "--size", "48",
        "--first-iterations", "20", "--first-scales", "1", "--iterations", "8",
        "--tolerance", "0", "--work-dir", folder.path(name),
      ] + extra, log: folder.url.appendingPathComponent(name + "-plan.log"))
    #expect(made.status == 0, "plan failed: \(made.text)")
    return try SegmentPlan.read(folder.path(name + ".json"))
  }

  func runSegment(_ plan: String, _ index: Int, environment: [String: String]? = nil) throws
    -> BuiltCommand
  {
    try BuiltCommand(
      ["run-segment", folder.path(plan + ".json")] + (environment == nil ? ["--index", "\(index)"] : []),
      environment: environment ?? [:],
      log: folder.url.appendingPathComponent("\(plan)-\(index)-\(UUID().uuidString).log"))
  }

  func assemble(_ plan: String, to output: String? = nil) throws -> (status: Int32, text: String) {
    try BuiltCommand.run(
      ["assemble", folder.path(plan + ".json"), "-o", folder.path(output ?? plan + ".mp4")],
      log: folder.url.appendingPathComponent(plan + "-assemble.log"))
  }

  /// Every file under the segments folder of `plan`, by path inside it, with its bytes.
  func files(_ plan: String) throws -> [String: Data] {
    let root = folder.path(plan)
    var result: [String: Data] = [:]
    for case let name as String in FileManager.default.enumerator(atPath: root) ?? .init()
    where (name.hasSuffix(".png") || name.hasSuffix("complete"))
      && !URL(fileURLWithPath: name).lastPathComponent.hasPrefix(".")
    {
      result[name] = FileManager.default.contents(atPath: root + "/" + name)
    }
    return result
  }

  @Test func theSplitKeepsEveryFrameOnceAndNeverWarmsUpAcrossACut() {
    folder.remove()
    let segments = SegmentPlan.segments(
      frameCount: 1000, cuts: [37, 300, 301], segmentFrames: 100, overlap: 8)
    #expect(segments.map(\.start).first == 0 && segments.last?.end == 1000)
    for (earlier, later) in zip(segments, segments.dropFirst()) {
      #expect(earlier.end == later.start, "frames between \(earlier) and \(later)")
    }
    let shotStarts: Set = [0, 37, 300, 301]
    for segment in segments {
      #expect(segment.end - segment.start <= 100 && segment.end > segment.start)
      let shotStart = shotStarts.filter { $0 <= segment.start }.max() ?? 0
      #expect(segment.warmUp == (segment.start == shotStart ? 0 : 8), "\(segment)")
      #expect(!shotStarts.contains { $0 > segment.firstFrame && $0 < segment.end }, "\(segment)")
    }
    // 37 | 263 in 3 parts | 1 | 699 in 7 parts: the fewest segments, sizes within one.
    #expect(segments.count == 12)
    #expect(segments.filter { $0.shot == 1 }.map { $0.end - $0.start } == [87, 88, 88])
  }

  @Test func workersInAnyOrderOneKilledGiveTheBytesOfOneWorker() throws {
    try #require(
      FileManager.default.fileExists(atPath: VGG19.defaultWeightsPath()),
      "VGG-19 weights missing: run `make weights`")
    defer { folder.remove() }
    let single = try plan("single")
    #expect(single.cuts == [Self.cut], "candidates: \(single.cutCandidates)")
    #expect(
      single.segments.map { [$0.start, $0.end, $0.warmUp] }
        == [[0, 3, 0], [3, 7, 2], [7, 10, 0], [10, 13, 2], [13, 16, 2]])
    let notYet = try assemble("single")
    #expect(notYet.status != 0)
    #expect(notYet.text.contains("Segments 0, 1, 2, 3, 4 of"), "\(notYet.text)")

    // One worker, segment after segment.
    for index in single.segments.indices {
      let run = try runSegment("single", index).wait()
      #expect(run.status == 0, "segment \(index): \(run.text)")
    }
    #expect(try assemble("single").status == 0)
    #expect(try assemble("single", to: "single-frames/").status == 0)

    // Three workers side by side in another order, with the index from the batch engine's
    // environment; the one on segment 2 is killed once it has saved a frame, then run again.
    _ = try plan("parallel")
    let killed = try runSegment("parallel", 2)
    let first = [
      try runSegment("parallel", 4, environment: ["JOB_COMPLETION_INDEX": "4"]),
      try runSegment("parallel", 0, environment: ["SLURM_ARRAY_TASK_ID": "0"]),
    ]
    let segmentTwo = folder.path("parallel/segment-00002")
    while killed.process.isRunning,
      ((try? FileManager.default.contentsOfDirectory(atPath: segmentTwo)) ?? [])
        .filter({ $0.hasSuffix(".png") && !$0.hasPrefix(".") }).isEmpty
    {
      usleep(20_000)
    }
    kill(killed.process.processIdentifier, SIGKILL)
    #expect(killed.wait().status != 0, "segment 2 ended before it was killed")
    for worker in first {
      let run = worker.wait()
      #expect(run.status == 0, "\(run.text)")
    }
    let halfDone = try assemble("parallel")
    #expect(halfDone.text.contains("Segments 1, 2, 3 of"), "\(halfDone.text)")
    let rest = [try runSegment("parallel", 3), try runSegment("parallel", 2),
      try runSegment("parallel", 1)].map { $0.wait() }
    for run in rest { #expect(run.status == 0, "\(run.text)") }
    #expect(rest[1].text.contains("already done"), "segment 2 started again: \(rest[1].text)")
    #expect(try assemble("parallel").status == 0)

    let (reference, parallel) = (try files("single"), try files("parallel"))
    #expect(reference.count == 16 + 3 * 2 + 5)
    #expect(parallel == reference, "the segments' frames differ between 1 and 3 workers")
    // The assembled frames, losslessly: the H.264 encode of the same frames was seen to differ
    // in 1 of 8 runs on a loaded machine, so the videos' bytes are not what determinism means.
    let assembled = try ["single", "parallel"].map { plan in
      #expect(try assemble(plan, to: plan + "-assembled/").status == 0)
      let frames = folder.path(plan + "-assembled")
      return try FileManager.default.contentsOfDirectory(atPath: frames).sorted().map {
        ($0, FileManager.default.contents(atPath: frames + "/" + $0))
      }
    }
    #expect(assembled[0].count == 16)
    #expect(
      assembled[0].elementsEqual(assembled[1]) { $0.0 == $1.0 && $0.1 != nil && $0.1 == $1.1 },
      "the assembled frames differ between 1 and 3 workers")
    try checkAssembledFrames(single)

    // A finished segment run again does nothing.
    let dates = try modificationDates("single")
    let again = try runSegment("single", 3).wait()
    #expect(again.status == 0 && again.text.contains("complete already"), "\(again.text)")
    #expect(try modificationDates("single") == dates)
  }

  /// The assembled frames are the segments' frames, cross-faded in the overlaps: frame j of a
  /// warm-up of W frames is (a (W + 1 - (j + 1)) + b (j + 1)) / (W + 1), rounded.
  func checkAssembledFrames(_ plan: SegmentPlan) throws {
    let reader = try VideoReader(folder.path("single-frames"))
    var index = 0
    while let frame = try reader.nextFrame() {
      let segment = try #require(plan.segments.first { $0.start <= index && index < $0.end })
      var expected = try readFirstFrame(plan.framePath(index, of: segment), options: .init()).rgb
      if let next = plan.segments.first(where: { $0.firstFrame <= index && index < $0.start }) {
        let later = try readFirstFrame(plan.framePath(index, of: next), options: .init()).rgb
        let (steps, weight) = (next.warmUp + 1, index - next.firstFrame + 1)
        expected = zip(expected, later).map { a, b in
          UInt8((Double(Int(a) * (steps - weight) + Int(b) * weight) / Double(steps)).rounded())
        }
      }
      #expect(frame.rgb == expected, "frame \(index)")
      index += 1
    }
    #expect(index == Self.frameCount)
  }

  func modificationDates(_ plan: String) throws -> [String: Date] {
    let root = folder.path(plan)
    var dates: [String: Date] = [:]
    for case let name as String in FileManager.default.enumerator(atPath: root) ?? .init() {
      dates[name] = try FileManager.default.attributesOfItem(atPath: root + "/" + name)[
        .modificationDate] as? Date
    }
    return dates
  }

  @Test func aPlanForAnotherInputOrOtherSettingsIsRefused() throws {
    defer { folder.remove() }
    _ = try plan("edited")
    _ = try plan("changed")
    // Options the settings were not made from (a hand edit, or another version's defaults).
    let path = folder.path("edited.json")
    var edited = try SegmentPlan.read(path)
    edited.arguments += ["--content-weight", "7"]
    try edited.write(to: path, overwrite: true)
    let refusedSettings = try runSegment("edited", 0).wait()
    #expect(refusedSettings.status != 0)
    #expect(
      refusedSettings.text.contains("its settings do not match")
        && refusedSettings.text.split(separator: "\n").count == 1, "\(refusedSettings.text)")

    // The input changed after planning: one frame replaced.
    try writeImage(
      Self.clipFrame(3), to: folder.path(String(format: "clip/%03d.png", 9)), overwrite: true)
    let refusedInput = try runSegment("changed", 0).wait()
    #expect(refusedInput.status != 0)
    #expect(
      refusedInput.text.contains("was made for another input")
        && refusedInput.text.split(separator: "\n").count == 1, "\(refusedInput.text)")
    #expect(!FileManager.default.fileExists(atPath: folder.path("changed/segment-00000")))

    let noIndex = try runSegment("changed", 0, environment: [:]).wait()
    #expect(noIndex.status != 0 && noIndex.text.contains("SLURM_ARRAY_TASK_ID"), "\(noIndex.text)")
  }
}
