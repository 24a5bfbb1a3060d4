/// A stretch of a video to read: the frames from `start` up to `end`.
public struct FrameRange: Sendable, Equatable {
  /// A point in a video: seconds from the start of the stream, or a frame index counted from 0
  /// in presentation order.
  public enum Position: Sendable, Equatable {
    case seconds(Double)
    case frame(Int)
  }

  /// The first frame kept: the first one shown at or after this time, or the frame with this
  /// index. `nil`: from the first frame.
  public var start: Position?
  /// The first frame no longer kept: the first one shown at or after this time, or the frame with
  /// this index (so `.frame(48)` ends after index 47). `nil`: to the last frame.
  public var end: Position?

  /// The whole video.
  public static let whole = FrameRange()

  /// Creates a range; `nil` bounds reach the first and last frame.
  public init(start: Position? = nil, end: Position? = nil) {
    self.start = start
    self.end = end
  }

  /// Whether the frame with `index` (from 0) shown at `time` seconds comes before `start`.
  func isBeforeStart(index: Int, time: Double) -> Bool {
    switch start {
    case nil: false
    case .seconds(let seconds): time < seconds - Self.timeTolerance
    case .frame(let first): index < first
    }
  }

  /// Whether the frame with `index` (from 0) shown at `time` seconds is at or after `end`.
  func isAtOrPastEnd(index: Int, time: Double) -> Bool {
    switch end {
    case nil: false
    case .seconds(let seconds): time >= seconds - Self.timeTolerance
    case .frame(let last): index >= last
    }
  }

  /// Timestamps are rounded to the stream's time base: a frame at 1.99999 s counts as at 2 s.
  private static let timeTolerance = 1e-6
}
