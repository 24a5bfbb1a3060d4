import ArgumentParser
import Foundation

/// The Middlebury `.flo` file of a `--flow-dir` folder (of `stylize` or `metrics`) that holds the
/// flow from frame `from` to frame `to`, both 0-based; the names count frames from 1, 5 digits:
/// `forward_00001_00002.flo` (frame 1 to 2), `backward_00002_00001.flo` (frame 2 to 1), also for
/// longer steps.
func flowFilePath(in folder: String, from: Int, to: Int) -> String {
  let name =
    (from < to ? "forward" : "backward") + String(format: "_%05d_%05d.flo", from + 1, to + 1)
  return URL(fileURLWithPath: folder).appendingPathComponent(name).path
}

/// Refuses a `--flow-dir` that is not a folder.
func validateFlowFolder(_ folder: String?) throws {
  guard let folder else { return }
  var isFolder: ObjCBool = false
  guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue
  else { throw ValidationError("--flow-dir '\(folder)' is not a folder.") }
}
