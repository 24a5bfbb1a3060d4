import Foundation

/// Writes progress to standard error: a live, rewritten line on a terminal, plain lines otherwise.
final class ProgressReporter {
  private let quiet: Bool
  private let live = isatty(STDERR_FILENO) != 0
  private var lineIsOpen = false

  init(quiet: Bool) { self.quiet = quiet }

  /// Shows `text` as the current state: on a terminal it replaces the live line; elsewhere it is
  /// written as a plain line only when `milestone` is set (so logs stay short).
  func update(_ text: String, milestone: Bool) {
    guard !quiet else { return }
    if live {
      writeStandardError("\r\u{1B}[K" + text)
      lineIsOpen = true
    } else if milestone {
      writeStandardError(text + "\n")
    }
  }

  /// Prints a permanent line (a finished step, a warning), closing any live line first.
  func log(_ text: String) {
    guard !quiet else { return }
    closeLine()
    writeStandardError(text + "\n")
  }

  /// Ends the live line so that later output starts on a fresh line.
  func closeLine() {
    if lineIsOpen {
      writeStandardError("\n")
      lineIsOpen = false
    }
  }
}

/// Writes text to standard error unbuffered.
func writeStandardError(_ text: String) {
  FileHandle.standardError.write(Data(text.utf8))
}

/// "1:02:03", "4:05" or "12s": a duration for people.
func formatDuration(_ seconds: Double) -> String {
  guard seconds.isFinite, seconds >= 0 else { return "?" }
  let total = Int(seconds.rounded())
  let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
  if hours > 0 { return String(format: "%d:%02d:%02d", hours, minutes, secs) }
  if minutes > 0 { return String(format: "%d:%02d", minutes, secs) }
  return "\(secs)s"
}

/// A failure while running a command (not a mistake in its arguments): printed as one line,
/// `Error: <message>`, with a non-zero exit.
struct CommandError: Error, CustomStringConvertible {
  let description: String

  init(_ description: String) { self.description = description }
}
