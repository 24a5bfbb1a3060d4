import Engine
import Video

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
  func position(index: Int, pass: Int) -> Int {
    VideoStyleTransfer.Pass(pass).position(of: index, frameCount: frames)
  }

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
