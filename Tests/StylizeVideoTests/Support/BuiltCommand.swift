import Foundation

/// The built `stylize-video`, started as a separate process as a user or a batch engine would;
/// its standard output and error go to a file (no pipe to fill up while it runs).
final class BuiltCommand {
  /// Beside the test bundle, in the same build folder.
  static let path = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("stylize-video").path

  let process = Process()
  private let log: URL

  /// Starts `stylize-video arguments...` with `environment` added to this process's (and the
  /// batch engines' index variables removed), logging to `log`.
  init(_ arguments: [String], environment: [String: String] = [:], log: URL) throws {
    self.log = log
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    process.executableURL = URL(fileURLWithPath: Self.path)
    process.arguments = arguments
    var variables = ProcessInfo.processInfo.environment
    variables["JOB_COMPLETION_INDEX"] = nil
    variables["SLURM_ARRAY_TASK_ID"] = nil
    process.environment = variables.merging(environment) { $1 }
    let handle = try FileHandle(forWritingTo: log)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
  }

  /// What it wrote so far.
  var text: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

  /// Waits for the end; the exit status and everything it wrote.
  func wait() -> (status: Int32, text: String) {
    process.waitUntilExit()
    return (process.terminationStatus, text)
  }

  /// Runs `arguments` to the end.
  static func run(_ arguments: [String], environment: [String: String] = [:], log: URL) throws
    -> (status: Int32, text: String)
  {
    try BuiltCommand(arguments, environment: environment, log: log).wait()
  }
}
