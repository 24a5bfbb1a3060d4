import CFFmpeg
import Foundation

/// Writes under a hidden temporary name next to the target and renames only on success.
///
/// `out/clip.mp4` is written as `out/.clip.partial-<pid>.mp4` (the real extension stays last so
/// the muxer is guessed right); a folder `out/frames` as `out/.frames.partial-<pid>/`. An
/// interrupted run leaves at most that hidden file, never a truncated file under the real name.
struct PartialOutput {
  let finalPath: String
  let temporaryPath: String
  let isDirectory: Bool

  /// Refuses an existing `finalPath` unless `overwrite`; creates the temporary folder for folders.
  init(_ finalPath: String, isDirectory: Bool, overwrite: Bool) throws {
    let url = URL(fileURLWithPath: finalPath)
    if FileManager.default.fileExists(atPath: url.path) && !overwrite {
      // In the command line's words (its --overwrite), so a user sees one wording for a
      // refused output, whether the command's own check or this one caught it.
      throw VideoError(
        refusing: finalPath, code: cff_averror(EEXIST),
        message: "the output exists; pass --overwrite to replace it")
    }
    let name = url.lastPathComponent
    let stem = isDirectory ? name : url.deletingPathExtension().lastPathComponent
    let suffix = isDirectory || url.pathExtension.isEmpty ? "" : "." + url.pathExtension
    let temporary = url.deletingLastPathComponent()
      .appendingPathComponent(".\(stem).partial-\(getpid())\(suffix)").path
    if isDirectory {
      try? FileManager.default.removeItem(atPath: temporary)
      if mkdir(temporary, 0o755) != 0 {
        throw VideoError(function: "mkdir", path: finalPath, code: cff_averror(errno))
      }
    }
    self.finalPath = finalPath
    self.temporaryPath = temporary
    self.isDirectory = isDirectory
  }

  /// Moves the finished output to its real name (replacing an old one when allowed).
  func commit() throws {
    var replaced: String? = nil
    if isDirectory && FileManager.default.fileExists(atPath: finalPath) {
      let old = temporaryPath + ".old"
      replaced = old
      if rename(finalPath, old) != 0 {
        throw VideoError(function: "rename", path: finalPath, code: cff_averror(errno))
      }
    }
    if rename(temporaryPath, finalPath) != 0 {
      let code = cff_averror(errno)
      if let replaced { _ = rename(replaced, finalPath) }
      throw VideoError(function: "rename", path: finalPath, code: code)
    }
    if let replaced { try? FileManager.default.removeItem(atPath: replaced) }
  }

  /// Deletes whatever was written.
  func discard() {
    try? FileManager.default.removeItem(atPath: temporaryPath)
  }

  /// Lets `write` fill the temporary path, then commits; if anything throws, discards what was
  /// written and rethrows (an error about the temporary file as one about `finalPath`, the
  /// name the user knows: "write failed for 'work/00003.png': No space left on device").
  func fill<Result>(_ write: (_ temporaryPath: String) throws -> Result) throws -> Result {
    do {
      let result = try write(temporaryPath)
      try commit()
      return result
    } catch let error as VideoError where error.path == temporaryPath {
      discard()
      throw error.about(finalPath)
    } catch {
      discard()
      throw error
    }
  }
}

extension VideoError {
  /// The same error, about `path` instead (for errors about a temporary file).
  func about(_ path: String) -> VideoError {
    var error =
      if let function {
        VideoError(function: function, path: path, code: code, message: message)
      } else {
        VideoError(refusing: path, code: code, message: message)
      }
    error.log = log
    return error
  }
}

/// Writes `bytes` to a new file at `path` (fails if it exists).
func writeNewFile(_ bytes: [UInt8], to path: String) throws {
  let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
  if descriptor < 0 { throw VideoError(function: "open", path: path, code: cff_averror(errno)) }
  defer { close(descriptor) }
  var offset = 0
  while offset < bytes.count {
    let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    if written < 0 { throw VideoError(function: "write", path: path, code: cff_averror(errno)) }
    offset += written
  }
}
