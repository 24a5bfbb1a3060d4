import Foundation

/// A new, empty folder under the system's temporary directory, for the files of one test.
///
/// Nothing deletes it by itself: call `remove()` when the test is done with it.
public struct TemporaryFolder: Sendable {
  /// The folder, `<temporary directory>/<prefix>-<UUID>`.
  public let url: URL

  /// Creates a folder whose name starts with `prefix` (which says which tests left it, if any did).
  public init(prefix: String) throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  /// The path of `name` inside the folder (nothing is created).
  public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  /// Deletes the folder and everything in it.
  public func remove() { try? FileManager.default.removeItem(at: url) }
}
