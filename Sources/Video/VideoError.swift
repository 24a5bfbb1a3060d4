import CFFmpeg

/// A failed FFmpeg call (or a refused file operation), with the file it was working on.
///
/// The description reads like
/// `avformat_open_input failed for 'in.mp4': No such file or directory`; a refusal that no failed
/// call caused reads like `'out.xyz': unsupported output type '.xyz' (...)`.
public struct VideoError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The FFmpeg (or C library) function that failed, e.g. `"avformat_open_input"`; `nil` when no
  /// call failed and the file was refused for what it is (an unsupported output type, an output
  /// that would replace its input).
  public let function: String?
  /// The file or directory being read or written.
  public let path: String
  /// FFmpeg's negative error code (`AVERROR(errno)` or an `AVERROR_*` tag).
  public let code: Int32
  /// FFmpeg's text for `code` (from `av_strerror`), or our own explanation.
  public let message: String
  /// FFmpeg's last logged error line when the call failed (e.g. `moov atom not found`), if any.
  /// Informational only: FFmpeg's log is process-wide, so with several threads it may be another call's.
  public var log: String?

  /// Creates an error whose message is FFmpeg's text for `code`.
  public init(function: String, path: String, code: Int32) {
    self.init(function: function, path: path, code: code, message: errorText(code))
  }

  /// Creates an error with an explicit message.
  public init(function: String, path: String, code: Int32, message: String) {
    self.function = function
    self.path = path
    self.code = code
    self.message = message
  }

  /// Creates the refusal of `path` for a reason of ours (no FFmpeg call failed).
  public init(refusing path: String, code: Int32, message: String) {
    self.function = nil
    self.path = path
    self.code = code
    self.message = message
  }

  /// `<function> failed for '<path>': <message>`, or `'<path>': <message>` for a refusal; the
  /// path part is left out when there is no path.
  public var description: String {
    switch (function, path.isEmpty) {
    case (let function?, false): "\(function) failed for '\(path)': \(message)"
    case (let function?, true): "\(function) failed: \(message)"
    case (nil, false): "'\(path)': \(message)"
    case (nil, true): message
    }
  }
}

/// FFmpeg's (or the C library's) text for an error code.
func errorText(_ code: Int32) -> String {
  var buffer = [CChar](repeating: 0, count: Int(AV_ERROR_MAX_STRING_SIZE) + 64)
  if av_strerror(code, &buffer, buffer.count) < 0 { return "error \(code)" }
  return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// Throws a `VideoError` when an FFmpeg call returned a negative code; returns the result otherwise.
@discardableResult
func check(_ result: Int32, _ function: String, _ path: String) throws -> Int32 {
  if result < 0 {
    var error = VideoError(function: function, path: path, code: result)
    error.log = FFmpegLog.takeLastError()
    throw error
  }
  return result
}

/// Outcomes of FFmpeg's send/receive calls that are not errors.
enum FF {
  static let again = cff_averror_eagain()
  static let eof = cff_averror_eof()
  static let noPTS = cff_nopts_value()
  static let outOfMemory = cff_averror(ENOMEM)
}
