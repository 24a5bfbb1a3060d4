import Foundation
import TestSupport
import Testing

@testable import stylize_video

/// The work folder of a video run: settings check, `--restart`, and the lock against a second run.
@Suite struct WorkFolderTests {
  /// Holds the work folder, which `WorkFolder` creates itself; each test removes it.
  let root: TemporaryFolder
  let path: String

  init() throws {
    root = try TemporaryFolder(prefix: "work-folder-tests")
    path = root.path("work")
  }

  @Test func aSecondRunIsRefusedUntilTheFirstHasEnded() throws {
    defer { root.remove() }
    var first: WorkFolder? = try WorkFolder(path: path, settingsJSON: "{}", restart: false)
    // The first run has saved a frame.
    let saved = try #require(first).framePath(0)
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: saved))
    let inUse = "'\(path)' is in use by another run"
    let again = try #require(throws: (any Error).self) {
      try WorkFolder(path: path, settingsJSON: "{}", restart: false)
    }
    #expect("\(again)".contains(inUse), "\(again)")
    // Even --restart must not empty a folder another run is writing to: refused as in use (not
    // as holding other settings), and the frame is still there.
    let restart = try #require(throws: (any Error).self) {
      try WorkFolder(path: path, settingsJSON: "{\"other\":1}", restart: true)
    }
    #expect("\(restart)".contains(inUse), "\(restart)")
    #expect(FileManager.default.contents(atPath: saved) == Data([1, 2, 3]))
    first = nil
    // Once it has ended, the same command takes the folder over, frames and all.
    let second = try WorkFolder(path: path, settingsJSON: "{}", restart: false)
    #expect(FileManager.default.contents(atPath: second.framePath(0)) == Data([1, 2, 3]))
  }

  @Test func otherSettingsAreRefusedUnlessRestartWhichKeepsNothing() throws {
    defer { root.remove() }
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
