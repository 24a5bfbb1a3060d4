import ArgumentParser
import Foundation

// The paths a command reads and writes: where outputs go, and the checks made before reading
// and writing them.

/// `<stem of input><suffix>` in the input's folder, e.g. `painting-texture.png`.
func pathBeside(_ input: String, suffix: String) -> String {
  let url = URL(fileURLWithPath: input)
  return url.deletingLastPathComponent()
    .appendingPathComponent(url.deletingPathExtension().lastPathComponent + suffix).path
}

/// Fails early, before minutes of work, when `output` exists (unless `overwrite`) or its folder
/// cannot take new files.
func checkOutput(_ output: String, overwrite: Bool) throws {
  try refuseExistingOutput(output, overwrite: overwrite)
  try checkWritableFolder(of: output)
}

/// Refuses an `output` that is `input` itself (before any work: `--overwrite` does not allow it).
func refuseReplacingInput(_ output: String, input: String) throws {
  if URL(fileURLWithPath: output).standardizedFileURL.resolvingSymlinksInPath()
    == URL(fileURLWithPath: input).standardizedFileURL.resolvingSymlinksInPath()
  {
    throw CommandError(path: output, message: "Output '\(output)' is the input; choose another -o.")
  }
}

/// Refuses `output` when it exists, unless `overwrite`.
func refuseExistingOutput(_ output: String, overwrite: Bool) throws {
  if !overwrite && FileManager.default.fileExists(atPath: output) {
    throw CommandError.outputExists(output)
  }
}

/// Fails early, before minutes of work, when the output's folder cannot take new files.
func checkWritableFolder(of output: String) throws {
  let folder = URL(fileURLWithPath: output).deletingLastPathComponent().path
  let probe = folder + "/.stylize-video-write-test-\(getpid())"
  let descriptor = open(probe, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
  guard descriptor >= 0 else {
    throw CommandError(
      path: folder,
      message: "Cannot write to the output folder '\(folder)': open: "
        + String(cString: strerror(errno)) + ".")
  }
  close(descriptor)
  unlink(probe)
}

/// Refuses an image output `path` (of `option`) that FFmpeg would not write as .png or .jpg.
func validateImageExtension(_ path: String?, option: String) throws {
  if let path,
    !["png", "jpg", "jpeg"].contains(URL(fileURLWithPath: path).pathExtension.lowercased())
  {
    throw ValidationError("\(option) '\(path)' must end in .png or .jpg.")
  }
}

/// Refuses an input that does not exist; a frame pattern (`frames/%05d.png`) is let through when
/// `allowPattern`, as FFmpeg reads it.
func validateInput(_ path: String, allowPattern: Bool) throws {
  guard FileManager.default.fileExists(atPath: path) || (allowPattern && path.contains("%")) else {
    throw ValidationError("Input '\(path)' does not exist.")
  }
}
