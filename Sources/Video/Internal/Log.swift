import CFFmpeg
import Foundation
import Synchronization

/// FFmpeg's logging, turned into a value instead of text on stderr (libraries never print).
///
/// Process-wide: the first use installs a callback that keeps only the last error-level line,
/// so a failing call can mention FFmpeg's own explanation as a warning.
enum FFmpegLog {
  private static let lastError = Mutex<String?>(nil)
  private static let installed: Bool = {
    av_log_set_level(AV_LOG_ERROR)
    av_log_set_callback { _, level, format, arguments in
      guard level <= AV_LOG_ERROR, let format, let arguments else { return }
      var line = [CChar](repeating: 0, count: 512)
      _ = vsnprintf(&line, line.count, format, arguments)
      let text = line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
      FFmpegLog.lastError.withLock { $0 = text.trimmingCharacters(in: .whitespacesAndNewlines) }
    }
    return true
  }()

  /// Installs the silent callback (idempotent; call at every public entry point).
  static func silence() { _ = installed }

  /// Returns and clears the last error line FFmpeg logged, if any.
  static func takeLastError() -> String? {
    lastError.withLock { line in
      defer { line = nil }; return line
    }
  }
}
