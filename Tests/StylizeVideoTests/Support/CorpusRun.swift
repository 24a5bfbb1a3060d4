import Foundation

/// One run of the built command over a corpus file, what it must do, and what it did.
struct CorpusRun {
  enum Expectation: String {
    /// Exit 0 (and, for the main command, the output written).
    case works
    /// A non-zero exit with a one-line `Error:` naming the file.
    case fails
  }

  /// The corpus case, e.g. "truncated-header.mp4".
  var name: String
  /// The subcommand, for the table ("stylize", "probe", "flow", "metrics").
  var command: String
  var arguments: [String]
  var expectation: Expectation
  /// Text the error line must contain: the file (or folder) at fault.
  var names: String
  /// Files and folders that must be byte-identical before and after.
  var inputs: [String]
  /// For a main command that works: the output that must then exist.
  var output: String?
}

/// What a process did.
struct Execution {
  var status: Int32
  /// Ended by a signal (a crash), not by exit.
  var signalled: Bool
  /// Killed after the time limit.
  var timedOut: Bool
  var errors: String
  var seconds: Double

  /// The first line of standard error, or "" when it is empty.
  var firstLine: String {
    errors.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
  }

  /// Runs `binary` with `arguments`, standard error to a file (no pipe to fill), killed with
  /// SIGKILL after `timeout` seconds.
  static func run(_ binary: String, _ arguments: [String], timeout: Double) throws -> Execution {
    let errorsPath = FileManager.default.temporaryDirectory
      .appendingPathComponent("corpus-stderr-\(UUID().uuidString)").path
    _ = FileManager.default.createFile(atPath: errorsPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errorsPath) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle(forWritingAtPath: errorsPath)
    let started = Date()
    try process.run()
    var timedOut = false
    while process.isRunning {
      if Date().timeIntervalSince(started) > timeout {
        kill(process.processIdentifier, SIGKILL)
        timedOut = true
        break
      }
      usleep(10_000)
    }
    process.waitUntilExit()
    let seconds = Date().timeIntervalSince(started)
    return Execution(
      status: process.terminationStatus,
      signalled: process.terminationReason == .uncaughtSignal, timedOut: timedOut,
      errors: (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? "", seconds: seconds)
  }
}

extension CorpusRun {
  /// What is wrong with `execution` for this run, or nil when it did as expected.
  func problem(with execution: Execution) -> String? {
    if execution.timedOut { return "no exit within the time limit (hang)" }
    if execution.signalled { return "ended by signal \(execution.status) (crash)" }
    switch expectation {
    case .works:
      if execution.status != 0 { return "failed: \(execution.firstLine)" }
      if let output, !FileManager.default.fileExists(atPath: output) {
        return "exit 0 but no output at '\(output)'"
      }
    case .fails:
      if execution.status == 0 { return "exit 0 for bad input" }
      let line = execution.firstLine
      if !line.hasPrefix("Error: ") { return "first line is not an error: '\(line)'" }
      if !line.contains(names) { return "error does not name '\(names)': '\(line)'" }
      // After the error line only ArgumentParser's usage hint may follow.
      let rest = execution.errors.split(separator: "\n").dropFirst()
      if let extra = rest.first(where: { !$0.hasPrefix("Usage:") && !$0.hasPrefix("  See ") }) {
        return "more than one line of error: '\(extra)'"
      }
    }
    return nil
  }

  /// A table row: case, command, exit code, first line of the message, seconds.
  func row(_ execution: Execution) -> String {
    let message = execution.firstLine.replacingOccurrences(of: "|", with: "\\|")
    let exit = execution.signalled ? "signal \(execution.status)" : "\(execution.status)"
    return "| \(name) | \(command) | \(exit) | \(message) | "
      + String(format: "%.2f", execution.seconds) + " |"
  }
}
