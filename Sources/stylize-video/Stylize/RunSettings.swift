import Foundation
import Video

/// How a run's settings name its input.
enum InputIdentity {
  /// By path, size and modification date: a work folder beside the output.
  case file(String)
  /// By path and a digest of its bytes (`inputDigest`): a plan, whose segments run on other
  /// machines, where the date of a copy may differ.
  case digest(String, String)
}

/// Everything that decides the stylised pixels of the frames, as canonical JSON: a work
/// folder's frames are reused only by a run with the same text, and a plan's segments only by a
/// worker that makes the same text of the plan's options.
func runSettingsJSON(
  input: InputIdentity, options: StylizeOptions, videoOptions: VideoOptions,
  start: FrameRange.Position?
) throws -> String {
  struct Identity: Encodable {
    var input: String
    var inputBytes: Int?
    var inputModified: Double?
    var inputDigest: String?
    var settings: StylizeOptions.Settings
    var video: String
    var temporalWeight: Float
    /// Checkpoints are numbered from the start (the end and preview only decide how many).
    var start: String?
  }
  let path: String
  var identity = Identity(
    input: "", settings: options.settings,
    video: String(
      describing: try videoOptions.configuration(iterations: options.styleOptions.iterations)),
    temporalWeight: videoOptions.temporalWeight, start: start.map { String(describing: $0) })
  switch input {
  case .file(let file):
    path = URL(fileURLWithPath: file).standardizedFileURL.path
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    identity.inputBytes = (attributes?[.size] as? Int) ?? 0
    identity.inputModified =
      (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
  case .digest(let file, let digest):
    path = URL(fileURLWithPath: file).standardizedFileURL.path
    identity.inputDigest = digest
  }
  identity.input = path
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
  return String(decoding: try encoder.encode(identity), as: UTF8.self)
}
