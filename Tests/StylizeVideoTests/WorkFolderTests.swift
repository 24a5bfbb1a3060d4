import Foundation
import Testing

@testable import stylize_video

/// The work folder of a video run: settings check, `--restart`, and the lock against a second run.
@Suite struct WorkFolderTests {
  let path = FileManager.default.temporaryDirectory
    .appendingPathComponent("work-folder-tests-\(UUID().uuidString)").path

  @Test func aSecondRunIsRefusedUntilTheFirstHasEnded() throws {
    defer { try? FileManager.default.removeItem(atPath: path) }
    var first: WorkFolder? = try WorkFolder(path: path, settingsJSON: "{}", restart: false)
    #expect(first != nil)
    #expect {
      try WorkFolder(path: path, settingsJSON: "{}", restart: false)
    } throws: { "\($0)".contains("is in use by another run") }
    // Even --restart must not empty a folder another run is writing to.
    #expect(throws: (any Error).self) {
      try WorkFolder(path: path, settingsJSON: "{\"other\":1}", restart: true)
    }
    first = nil
    _ = try WorkFolder(path: path, settingsJSON: "{}", restart: false)
  }

  @Test func otherSettingsAreRefusedUnlessRestartWhichKeepsNothing() throws {
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
      let folder = try WorkFolder(path: path, settingsJSON: "{\"a\":1}", restart: false)
      try Data([1, 2, 3]).write(to: URL(fileURLWithPath: folder.framePath(0)))
    }
    #expect {
      try WorkFolder(path: path, settingsJSON: "{\"a\":2}", restart: false)
    } throws: { "\($0)".contains("--restart") }
    let restarted = try WorkFolder(path: path, settingsJSON: "{\"a\":2}", restart: true)
    #expect(!FileManager.default.fileExists(atPath: restarted.framePath(0)))
    // The same settings again keep the folder's frames.
    try Data([1]).write(to: URL(fileURLWithPath: restarted.framePath(0)))
    _ = consume restarted
    let again = try WorkFolder(path: path, settingsJSON: "{\"a\":2}", restart: false)
    #expect(FileManager.default.fileExists(atPath: again.framePath(0)))
  }
}
