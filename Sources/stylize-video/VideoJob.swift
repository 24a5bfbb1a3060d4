import ArgumentParser
import Engine
import Foundation
import Synchronization
import Video

/// Stylises a video, frame folder or pattern in two steps: frames into a work folder (one
/// lossless checkpoint per finished frame, so a run can be resumed), then the encode, which
/// takes the timing and the audio from the input.
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
    let frameLimit = transcodeOptions.frameLimit ?? Int.max
    let range = transcodeOptions.read.range
    let frameTotal = max(1, min(frameLimit, expectedFrameCount(info, range: range)))
    let reader = try VideoReader(input, options: ReadOptions(longSide: longSide, range: range))
    var frameSeconds: [Double] = []
    var fullSizeSecondsPerIteration = Double.nan
    var index = 0
    while index < frameLimit, let frame = try reader.nextFrame() {
      let original = Image(frame)
      let checkpoint = workFolder.framePath(index)
      if let saved = try? readImage(checkpoint), saved.width == original.width,
        saved.height == original.height
      {
        video.recordFinished(original: original, output: saved, index: index)
        if index == 0 || (index + 1) % printEvery == 0 {
          progress.log("frame \(index + 1)/\(frameTotal) already done (\(workFolder.path))")
        }
      } else {
        let started = Date()
        var clock = IterationClock()
        var clockScale = 1
        let report = try video.stylizeNext(original, index: index) { state in
          if state.scale != clockScale { (clock, clockScale) = (IterationClock(), state.scale) }
          clock.tick()
          let framesLeft = Double(max(0, frameTotal - index - 1))
          let estimate = FrameTimeEstimate(state: state, secondsPerIteration: clock.secondsPerIteration)
          fullSizeSecondsPerIteration = estimate.fullSizeSecondsPerIteration
          // Until a later frame has finished, assume each runs all its iterations.
          let perFrame =
            typicalSeconds(frameSeconds)
            ?? Double(video.configuration.iterations) * estimate.fullSizeSecondsPerIteration
          let eta = estimate.secondsLeftInFrame + framesLeft * perFrame
          progress.update(
            "frame \(index + 1)/\(frameTotal)  " + iterationText(state, clock: clock, eta: eta),
            milestone: state.iteration % printEvery == 0)
        }
        try writeImage(VideoFrame(report.result.image, time: frame.time), to: checkpoint, overwrite: true)
        frameSeconds.append(Date().timeIntervalSince(started))
        summary.iterations += report.result.iterations
        summary.frameLosses.append(report.result.losses)
        let left =
          Double(max(0, frameTotal - index - 1))
          * (typicalSeconds(frameSeconds)
            ?? Double(video.configuration.iterations) * fullSizeSecondsPerIteration)
        progress.log(
          String(
            format: "frame %d/%d: %.1f s (flow %.1f s), %d iterations, loss %.4g; ETA ",
            index + 1, frameTotal, frameSeconds.last ?? 0, report.flowSeconds,
            report.result.iterations, report.result.losses.total) + formatDuration(left))
      }
      index += 1
      if interruptRequested.load(ordering: .relaxed) {
        throw Interrupted(framesDone: index, frameTotal: frameTotal, workFolder: workFolder.path)
      }
    }
    summary.warnings += reader.warnings
    progress.log("Encoding \(outputPath)")
    let transcoded = try transcode(
      from: input, to: outputPath,
      options: TranscodeOptions(
        read: ReadOptions(range: range), frameLimit: index, crf: transcodeOptions.crf, preset: transcodeOptions.preset,
        overwrite: transcodeOptions.overwrite)
    ) { frame, frameIndex in
      let saved = try readImage(workFolder.framePath(frameIndex))
      return VideoFrame(saved, time: frame.time)
    }
    summary.frames = transcoded.framesWritten
    summary.warnings += transcoded.warnings
    if !keepWorkFolder { workFolder.remove() }
    return summary
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

/// The mean time of the last few frames after the first (which runs longer), if any.
func typicalSeconds(_ frameSeconds: [Double]) -> Double? {
  let later = frameSeconds.dropFirst().suffix(5)
  return later.isEmpty ? nil : later.reduce(0, +) / Double(later.count)
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

  /// Opens (or creates) the folder for `settings`; an old folder made with other settings is
  /// refused unless `restart`, which empties it.
  init(path: String, settingsJSON: String, restart: Bool) throws {
    self.path = path
    let fileManager = FileManager.default
    let settingsPath = path + "/settings.json"
    let hash = fnv1a64Hex(settingsJSON)
    if fileManager.fileExists(atPath: path) {
      let old = try? String(contentsOfFile: settingsPath, encoding: .utf8)
      let oldHash = old.flatMap { $0.split(separator: "\n").first.map(String.init) }
      if oldHash != "hash " + hash {
        guard restart else {
          throw CommandError(
            "Work folder '\(path)' holds frames made with other settings (or is not a work "
              + "folder); pass --restart to discard them, or --work-dir to use another folder.")
        }
        try fileManager.removeItem(atPath: path)
      }
    }
    if !fileManager.fileExists(atPath: path) {
      do {
        try fileManager.createDirectory(atPath: path, withIntermediateDirectories: true)
        try ("hash " + hash + "\n" + settingsJSON + "\n").write(
          toFile: settingsPath, atomically: true, encoding: .utf8)
      } catch {
        throw CommandError("Cannot create the work folder '\(path)': \(error.localizedDescription)")
      }
    }
  }

  /// The checkpoint of frame `index` (0-based): `00001.png`, ....
  func framePath(_ index: Int) -> String { path + String(format: "/%05d.png", index + 1) }

  /// Deletes the folder.
  func remove() { try? FileManager.default.removeItem(atPath: path) }
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
  let framesDone: Int
  let frameTotal: Int
  let workFolder: String

  var description: String {
    "Interrupted after frame \(framesDone) of \(frameTotal); the finished frames are in "
      + "'\(workFolder)'. Run the same command again to resume."
  }
}
