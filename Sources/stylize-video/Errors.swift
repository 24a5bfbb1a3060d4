import Foundation

/// A failure while running a command (not a mistake in its arguments, which `validate()`
/// reports as a `ValidationError`): ArgumentParser prints it as one line, `Error: <description>`,
/// and exits non-zero.
///
/// Every such error names its file. One that comes from a failed call names the call too, in
/// the words Video's errors use: `flock failed for 'out-work/.lock': Bad file descriptor`.
struct CommandError: Error, CustomStringConvertible {
  /// The file or folder concerned.
  let path: String
  /// The call that failed (`"rename"`, `"flock"`), or `nil` for a refusal of the command's own.
  let call: String?
  let description: String

  /// A refusal or a finding of the command's own; `message` is a sentence that names `path`.
  init(path: String, message: String) {
    self.path = path
    self.call = nil
    self.description = message
  }

  /// `call` failed on `path`: "rename failed for 'a.flo': Permission denied".
  init(call: String, path: String, reason: String) {
    self.path = path
    self.call = call
    self.description = "\(call) failed for '\(path)': \(reason)"
  }

  /// The C library's `call` failed on `path` with `errorNumber` (`errno` by default).
  static func system(_ call: String, path: String, errorNumber: Int32 = errno) -> CommandError {
    CommandError(call: call, path: path, reason: String(cString: strerror(errorNumber)))
  }

  /// A Foundation call failed on `path` with `error`.
  static func foundation(_ call: String, path: String, _ error: any Error) -> CommandError {
    CommandError(call: call, path: path, reason: error.localizedDescription)
  }

  /// The one wording for an output that is there already: every command refuses with it.
  static func outputExists(_ path: String) -> CommandError {
    CommandError(path: path, message: "Output '\(path)' exists; pass --overwrite to replace it.")
  }

  /// `path` was read but gave no picture; `warnings` are the reader's, which say why.
  static func noPicture(_ path: String, warnings: [String]) -> CommandError {
    let reason = warnings.first.map { " (\($0))" } ?? ""
    return CommandError(path: path, message: "'\(path)' holds no picture\(reason).")
  }
}
