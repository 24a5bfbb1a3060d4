import ArgumentParser
import Engine
import Foundation
import Synchronization
import Video

/// Stylises a video, frame folder or pattern in two steps: frames into a work folder (one
/// lossless checkpoint per finished frame, so a run can be resumed), then the encode, which
/// takes the timing and the audio from the input. With several passes, the first pass also keeps
/// the originals at processing size, so later passes can run backwards.
struct VideoJob {
  let video: VideoStyleTransfer
  let progress: ProgressReporter
  let printEvery: Int
  let input: String
  let info: MediaInfo
  let outputPath: String
  let workFolder: WorkFolder
  let longSide: Int
  let transcodeOptions: TranscodeOptions
  let keepWorkFolder: Bool

  /// Runs both steps; throws `Interrupted` after a Ctrl-C once the current frame is saved.
  func run() throws -> RunSummary {
    var summary = RunSummary()
    let passes = video.configuration.passes
    let range = transcodeOptions.read.range
    let expected = max(
      1, min(transcodeOptions.frameLimit ?? .max, expectedFrameCount(info, range: range)))
    var tracker = FrameTracker(
      frames: expected, passes: passes, laterFrameIterations: video.configuration.iterations)
    try workFolder.createPassFolders(passes: passes)
    let frameCount = try firstPass(&summary, tracker: &tracker)
    tracker.frames = frameCount
    for pass in stride(from: 2, through: passes, by: 1) {
      summary.frameLosses = []
      try laterPass(pass, frameCount: frameCount, summary: &summary, tracker: &tracker)
    }

    progress.log("Encoding \(outputPath)")
    let transcoded = try transcode(
      from: input, to: outputPath,
      options: TranscodeOptions(
        read: ReadOptions(range: range), frameLimit: frameCount, crf: transcodeOptions.crf,
        preset: transcodeOptions.preset, overwrite: transcodeOptions.overwrite)
    ) { frame, frameIndex in
      let saved = try readImage(workFolder.framePath(frameIndex, pass: passes))
      return VideoFrame(saved, time: frame.time)
    }
    summary.frames = transcoded.framesWritten
    summary.warnings += transcoded.warnings
    if !keepWorkFolder { workFolder.remove() }
    return summary
  }

  /// The frames from the decoder, in order; returns how many there were.
  private func firstPass(_ summary: inout RunSummary, tracker: inout FrameTracker) throws -> Int {
    let keepOriginals = video.configuration.passes > 1
    let reader = try VideoReader(
      input, options: ReadOptions(longSide: longSide, range: transcodeOptions.read.range))
    var index = 0
    while index < transcodeOptions.frameLimit ?? .max, let frame = try reader.nextFrame() {
      let original = Image(frame)
      if keepOriginals, !FileManager.default.fileExists(atPath: workFolder.originalPath(index)) {
        try writeImage(frame, to: workFolder.originalPath(index), overwrite: true)
      }
      try process(index, pass: 1, original: original, summary: &summary, tracker: &tracker) {
        try video.stylizeNext(original, index: index, progress: $0)
      }
      index += 1
    }
    summary.warnings += reader.warnings
    return index
  }

  /// Pass `pass` (2, 3, ...): backwards when even, from the originals and the pass before.
  private func laterPass(
    _ pass: Int, frameCount: Int, summary: inout RunSummary, tracker: inout FrameTracker
  ) throws {
    video.beginPass(pass)
    let order = pass % 2 == 0 ? Array((0..<frameCount).reversed()) : Array(0..<frameCount)
    for index in order {
      let original = try readImage(workFolder.originalPath(index))
      try process(index, pass: pass, original: original, summary: &summary, tracker: &tracker) {
        let previous = try readImage(workFolder.framePath(index, pass: pass - 1))
        return try video.refineNext(original, index: index, previous: previous, progress: $0)
      }
    }
  }

  /// Stylises one frame with progress and saves its checkpoint, or takes the checkpoint of an
  /// earlier run; stops (after saving) when Ctrl-C was pressed.
  private func process(
    _ index: Int, pass: Int, original: Image, summary: inout RunSummary,
    tracker: inout FrameTracker,
    stylize: ((StyleTransfer.Progress) -> Void) throws -> VideoStyleTransfer.FrameReport
  ) throws {
    let checkpoint = workFolder.framePath(index, pass: pass)
    let label = tracker.label(index: index, pass: pass)
    if let saved = try? readImage(checkpoint), saved.width == original.width,
      saved.height == original.height
    {
      video.recordFinished(original: original, output: saved, index: index)
      tracker.skipped()
      if tracker.position(index: index, pass: pass) == 1 || tracker.done % printEvery == 0 {
        progress.log("\(label) already done (\(workFolder.path))")
      }
    } else {
      let started = Date()
      var clock = IterationClock()
      var clockScale = 1
      var (firstIterationEnd, lastIterationEnd): (Date?, Date?) = (nil, nil)
      let report = try stylize { state in
        if state.scale != clockScale { (clock, clockScale) = (IterationClock(), state.scale) }
        if state.scale == state.scales {
          let now = Date()
          if firstIterationEnd == nil { firstIterationEnd = now }
          lastIterationEnd = now
        }
        clock.tick()
        let estimate = FrameTimeEstimate(state: state, secondsPerIteration: clock.secondsPerIteration)
        tracker.fullSizeSecondsPerIteration = estimate.fullSizeSecondsPerIteration
        let eta = estimate.secondsLeftInFrame + tracker.secondsAfterCurrent
        progress.update(
          "\(label)  " + iterationText(state, clock: clock, eta: eta),
          milestone: state.iteration % printEvery == 0)
      }
      try writeImage(VideoFrame(report.result.image, time: 0), to: checkpoint, overwrite: true)
      let seconds = Date().timeIntervalSince(started)
      tracker.finished(seconds: seconds)
      summary.iterations += report.result.iterations
      summary.frameLosses.append(report.result.losses)
      let iterationSpan =
        firstIterationEnd.flatMap { first in lastIterationEnd?.timeIntervalSince(first) } ?? 0
      summary.frameTimings.append(
        FrameTiming(
          index: index, seconds: seconds, flowSeconds: report.flowSeconds,
          flowPairs: report.flowPairs, iterations: report.result.iterations,
          laterIterationsSeconds: iterationSpan))
      progress.log(
        String(
          format: "%@: %.1f s (flow %.1f s), %d iterations, loss %.4g; ETA ", label, seconds,
          report.flowSeconds, report.result.iterations, report.result.losses.total)
          + formatDuration(tracker.secondsAfterCurrent))
    }
    if interruptRequested.load(ordering: .relaxed) {
      throw Interrupted(done: label, workFolder: workFolder.path)
    }
  }
}

/// Counts the frames of a run (all passes) and estimates the time left.
struct FrameTracker {
  /// Frames per pass (an estimate until the first pass has read them all).
  var frames: Int
  let passes: Int
  let laterFrameIterations: Int
  /// Frames finished or taken from checkpoints, over all passes.
  private(set) var done = 0
  /// Seconds of the frames stylised by this run, first frame included.
  private var frameSeconds: [Double] = []
  /// Seconds per iteration at full size, from the frame in progress.
  var fullSizeSecondsPerIteration = Double.nan

  init(frames: Int, passes: Int, laterFrameIterations: Int) {
    self.frames = frames
    self.passes = passes
    self.laterFrameIterations = laterFrameIterations
  }

  /// "frame 3/48", or "pass 2/3, frame 3/48" (frames counted in the order of the pass).
  func label(index: Int, pass: Int) -> String {
    (passes > 1 ? "pass \(pass)/\(passes), " : "")
      + "frame \(position(index: index, pass: pass))/\(frames)"
  }

  /// Where frame `index` (0-based) comes in `pass`, from 1.
  func position(index: Int, pass: Int) -> Int { pass % 2 == 0 ? frames - index : index + 1 }

  mutating func skipped() { done += 1 }

  mutating func finished(seconds: Double) {
    done += 1
    frameSeconds.append(seconds)
  }

  /// The seconds the frames after the current one will take: the mean of the last few frames
  /// after the first (which runs longer); until one has finished, all their iterations at the
  /// current speed.
  var secondsAfterCurrent: Double {
    let later = frameSeconds.dropFirst().suffix(5)
    let perFrame =
      later.isEmpty
      ? Double(laterFrameIterations) * fullSizeSecondsPerIteration
      : later.reduce(0, +) / Double(later.count)
    return Double(max(0, frames * passes - done - 1)) * perFrame
  }
}

/// About how many frames of the input `range` holds (for progress).
func expectedFrameCount(_ info: MediaInfo, range: FrameRange) -> Int {
  func index(_ position: FrameRange.Position?, default: Int) -> Int {
    switch position {
    case nil: `default`
    case .frame(let index): index
    case .seconds(let seconds): Int((seconds * info.frameRate.value).rounded(.up))
    }
  }
  let first = index(range.start, default: 0)
  return min(info.frameCount, index(range.end, default: info.frameCount)) - first
}

/// How long the frame in progress still needs, from the speed at its current scale: each scale
/// up has 4 times the pixels, so about 4 times the seconds per iteration.
struct FrameTimeEstimate {
  let secondsLeftInFrame: Double
  let fullSizeSecondsPerIteration: Double

  init(state: StyleTransfer.Progress, secondsPerIteration: Double) {
    let scalesLeft = state.scales - state.scale
    fullSizeSecondsPerIteration = secondsPerIteration * pow(4, Double(scalesLeft))
    var left = Double(state.iterations - state.iteration) * secondsPerIteration
    for step in stride(from: 1, through: scalesLeft, by: 1) {
      left += Double(state.iterations) * secondsPerIteration * pow(4, Double(step))
    }
    secondsLeftInFrame = left
  }
}

/// The text of one iteration's progress.
func iterationText(_ state: StyleTransfer.Progress, clock: IterationClock, eta: Double) -> String {
  let scale = state.scales > 1 ? " (scale \(state.scale)/\(state.scales))" : ""
  var losses = String(
    format: "loss %.4g (style %.3g, content %.3g, tv %.3g", state.losses.total,
    state.losses.style, state.losses.content, state.losses.totalVariation)
  if state.losses.temporal > 0 { losses += String(format: ", temporal %.3g", state.losses.temporal) }
  return "iter \(state.iteration)/\(state.iterations)\(scale)  \(losses))  "
    + String(format: "%.2f s/iter  ETA ", clock.secondsPerIteration)
    + formatDuration(clock.secondsPerIteration > 0 ? eta : .nan)
}

/// The folder of finished frames of one run, tied to its settings by a hash.
struct WorkFolder {
  let path: String
  /// Held while this run uses the folder: a second run of the same command is refused.
  private let lock: FolderLock

  /// Opens (or creates) the folder for `settings`; an old folder made with other settings is
  /// refused unless `restart`, which empties it. A folder in use by another run is refused.
  init(path: String, settingsJSON: String, restart: Bool) throws {
    self.path = path
    let fileManager = FileManager.default
    let settingsPath = path + "/settings.json"
    let hash = fnv1a64Hex(settingsJSON)
    do {
      try fileManager.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw CommandError("Cannot create the work folder '\(path)': \(error.localizedDescription)")
    }
    lock = try FolderLock(claiming: path)
    let old = try? String(contentsOfFile: settingsPath, encoding: .utf8)
    let oldHash = old.flatMap { $0.split(separator: "\n").first.map(String.init) }
    let isEmpty = (try? fileManager.contentsOfDirectory(atPath: path))?
      .allSatisfy { $0 == FolderLock.fileName } ?? false
    if oldHash != "hash " + hash && !isEmpty {
      guard restart else {
        throw CommandError(
          "Work folder '\(path)' holds frames made with other settings (or is not a work "
            + "folder); pass --restart to discard them, or --work-dir to use another folder.")
      }
      for name in try fileManager.contentsOfDirectory(atPath: path) where name != FolderLock.fileName {
        try fileManager.removeItem(atPath: path + "/" + name)
      }
    }
    if oldHash != "hash " + hash {
      do {
        try ("hash " + hash + "\n" + settingsJSON + "\n").write(
          toFile: settingsPath, atomically: true, encoding: .utf8)
      } catch {
        throw CommandError("Cannot write '\(settingsPath)': \(error.localizedDescription)")
      }
    }
  }

  /// The checkpoint of frame `index` (0-based) after `pass`: `00001.png`, ... for the first
  /// pass, `pass2/00001.png`, ... for later ones.
  func framePath(_ index: Int, pass: Int = 1) -> String {
    path + (pass == 1 ? "" : "/pass\(pass)") + String(format: "/%05d.png", index + 1)
  }

  /// Frame `index` (0-based) as read, at processing size, for passes after the first.
  func originalPath(_ index: Int) -> String {
    path + String(format: "/originals/%05d.png", index + 1)
  }

  /// Makes the folders of the originals and of the checkpoints of passes 2 ... `passes`.
  func createPassFolders(passes: Int) throws {
    guard passes > 1 else { return }
    for folder in [path + "/originals"] + (2...passes).map({ path + "/pass\($0)" }) {
      do {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      } catch {
        throw CommandError("Cannot create the folder '\(folder)': \(error.localizedDescription)")
      }
    }
  }

  /// Deletes the folder.
  func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// An exclusive `flock` on a folder's `.lock` file, held until this value is gone; the kernel
/// releases it however the process ends (kill -9 included), so a stale lock cannot block a resume.
final class FolderLock {
  static let fileName = ".lock"
  private let descriptor: Int32

  /// Claims `folder`; throws when another process holds it.
  init(claiming folder: String) throws {
    let path = folder + "/" + Self.fileName
    descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw CommandError("open failed for '\(path)': \(String(cString: strerror(errno)))")
    }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      let reason = errno
      close(descriptor)
      if reason == EWOULDBLOCK {
        throw CommandError(
          "Work folder '\(folder)' is in use by another run; wait for it to end, or pass "
            + "--work-dir to use another folder.")
      }
      throw CommandError("flock failed for '\(path)': \(String(cString: strerror(reason)))")
    }
  }

  deinit { close(descriptor) }
}

/// FNV-1a, 64 bits, as 16 hex digits: identifies a settings text (not a security hash).
func fnv1a64Hex(_ text: String) -> String {
  var hash: UInt64 = 0xcbf2_9ce4_8422_2325
  for byte in text.utf8 {
    hash ^= UInt64(byte)
    hash = hash &* 0x100_0000_01b3
  }
  return String(hash, radix: 16).leftPadded(to: 16)
}

extension String {
  fileprivate func leftPadded(to length: Int) -> String {
    String(repeating: "0", count: max(0, length - count)) + self
  }
}

/// Set by the first Ctrl-C: the run stops after saving the frame in progress.
let interruptRequested = Atomic<Bool>(false)

/// Makes the first Ctrl-C (SIGINT or SIGTERM) request a clean stop; a second one ends the process.
func installInterruptHandler() {
  // A parent may have blocked these (the mask is inherited); a user's Ctrl-C must get through.
  var signals = sigset_t()
  sigemptyset(&signals)
  for signalNumber in [SIGINT, SIGTERM] {
    sigaddset(&signals, signalNumber)
  }
  pthread_sigmask(SIG_UNBLOCK, &signals, nil)
  for signalNumber in [SIGINT, SIGTERM] {
    signal(signalNumber) { number in
      interruptRequested.store(true, ordering: .relaxed)
      signal(number, SIG_DFL)
    }
  }
}

/// The run stopped on request after saving its finished frames.
struct Interrupted: Error, CustomStringConvertible {
  /// The last frame saved, e.g. "frame 12/48".
  let done: String
  let workFolder: String

  var description: String {
    "Interrupted after \(done); the finished frames are in '\(workFolder)'. Run the same "
      + "command again to resume."
  }
}
