import Foundation
import Video

/// A video cut into segments that separate tasks stylise on their own (`plan.json`), each into
/// its folder under `segmentsFolder`, joined by `assemble`.
///
/// A shot (frames between hard cuts) is split into segments of at most `segmentFrames` frames.
/// A segment after a split inside a shot starts `warmUp` frames early: it stylises them too,
/// from a cold first frame, so that by its own first frame it is in the steady state of the
/// temporal method, and `assemble` cross-fades those frames into the segment before. A segment
/// after a cut starts cold at the cut: nothing carries over.
struct SegmentPlan: Codable, Equatable {
  /// Frames `start..<end` (0-based, in decoding order) of the output come from this segment.
  struct Segment: Codable, Equatable {
    var index: Int
    /// The shot it belongs to, from 0.
    var shot: Int
    var start: Int
    var end: Int
    /// Frames before `start` it stylises first (the overlap with the segment before).
    var warmUp: Int

    /// The first frame it stylises.
    var firstFrame: Int { start - warmUp }
    /// "frames 101-200" (counted from 1).
    var frameText: String { "frames \(start + 1)-\(end)" }
  }

  static let currentVersion = 1
  var version = currentVersion
  /// The input as given to `plan`.
  var input: String
  var inputDigest: String
  var frameCount: Int
  /// The arguments of `plan` (after the subcommand): each task parses them again.
  var arguments: [String]
  /// The working directory of `plan`, where relative paths in `arguments` start.
  var directory: String
  /// `runSettingsJSON` of the plan's options, the input named by its digest.
  var settings: String
  var passes: Int
  var segmentsFolder: String
  var segmentFrames: Int
  var overlap: Int
  /// The candidates of the cut detection, cuts and not.
  var cutCandidates: [CutDetector.Evidence]
  var segments: [Segment]

  /// The first frames of the shots after the first.
  var cuts: [Int] { cutCandidates.filter(\.isCut).map(\.frame) }

  /// Splits `frameCount` frames with hard cuts before the frames `cuts` into segments: each
  /// shot into the fewest segments of at most `segmentFrames` frames, of sizes differing by at
  /// most one; each segment after the first of its shot starts `overlap` frames early.
  static func segments(frameCount: Int, cuts: [Int], segmentFrames: Int, overlap: Int)
    -> [Segment]
  {
    precondition(segmentFrames >= 1 && overlap >= 0, "segments of at least one frame")
    let bounds = [0] + cuts.filter { $0 > 0 && $0 < frameCount }.sorted() + [frameCount]
    var segments: [Segment] = []
    for (shot, (first, last)) in zip(bounds, bounds.dropFirst()).enumerated() {
      let length = last - first
      let count = (length + segmentFrames - 1) / segmentFrames
      for part in 0..<count {
        let start = first + part * length / count
        let end = first + (part + 1) * length / count
        segments.append(
          Segment(
            index: segments.count, shot: shot, start: start, end: end,
            warmUp: part == 0 ? 0 : min(overlap, start - first)))
      }
    }
    return segments
  }

  /// The folder of `segment`'s frames, named by their frame numbers from 1 like a work folder.
  func folder(of segment: Segment) -> String {
    segmentsFolder + String(format: "/segment-%05d", segment.index)
  }

  /// The finished frame `index` as `segment` stylised it.
  func framePath(_ index: Int, of segment: Segment) -> String {
    WorkFolder.framePath(index, pass: passes, in: folder(of: segment))
  }

  /// The work folder settings of `segment`: the plan's, and its frames.
  func settings(of segment: Segment) -> String {
    settings + "\nsegment \(segment.index): frames \(segment.firstFrame)..<\(segment.end)"
  }

  /// The file whose presence says that `segment` is complete.
  private func marker(of segment: Segment) -> String { folder(of: segment) + "/complete" }

  private func markerText(of segment: Segment) -> String {
    "hash \(fnv1a64Hex(settings(of: segment)))\n"
  }

  /// Whether `segment` was completed for this plan: its marker and all its frames are there.
  func isComplete(_ segment: Segment) -> Bool {
    guard (try? String(contentsOfFile: marker(of: segment), encoding: .utf8)) == markerText(of: segment)
    else { return false }
    return (segment.firstFrame..<segment.end).allSatisfy {
      FileManager.default.fileExists(atPath: framePath($0, of: segment))
    }
  }

  /// Records that all frames of `segment` are saved (atomically: a task killed here leaves
  /// the segment incomplete, and its rerun writes the marker again).
  func markComplete(_ segment: Segment) throws {
    let path = marker(of: segment)
    try writeFile(path, overwrite: true) { temporary in
      do {
        try markerText(of: segment).write(toFile: temporary, atomically: false, encoding: .utf8)
      } catch {
        throw CommandError.foundation("write", path: path, error)
      }
    }
  }

  /// Reads a plan file; a file that is not one is named with the reason.
  static func read(_ path: String) throws -> SegmentPlan {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw CommandError.foundation("read", path: path, error)
    }
    let plan: SegmentPlan
    do {
      plan = try JSONDecoder().decode(SegmentPlan.self, from: data)
    } catch {
      throw CommandError(
        path: path, message: "'\(path)' is not a plan of `stylize-video plan` (\(error)).")
    }
    guard plan.version == currentVersion else {
      throw CommandError(
        path: path,
        message: "'\(path)' is a plan of version \(plan.version); this stylize-video reads "
          + "version \(currentVersion): make the plan again.")
    }
    return plan
  }

  /// Writes the plan to `path` atomically.
  func write(to path: String, overwrite: Bool) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(self)
    try writeFile(path, overwrite: overwrite) { temporary in
      do {
        try data.write(to: URL(fileURLWithPath: temporary))
      } catch {
        throw CommandError.foundation("write", path: path, error)
      }
    }
  }
}
