import Engine
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

/// Seconds per iteration, averaged over the iterations so far (the first one is warm-up).
struct IterationClock {
  private var start = Date()
  private var last = Date()
  private var ticks = 0

  /// Marks the end of an iteration.
  mutating func tick() {
    ticks += 1
    last = Date()
    if ticks == 1 { start = last }
  }

  /// The mean time of the iterations after the first (the first pays for allocation).
  var secondsPerIteration: Double {
    ticks > 1 ? last.timeIntervalSince(start) / Double(ticks - 1) : 0
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
