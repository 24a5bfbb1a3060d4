import Foundation

/// The folder of finished frames of one run, tied to its settings by a hash.
struct WorkFolder {
  let path: String
  /// Held while this run uses the folder: a second run of the same command is refused.
  private let lock: FolderLock

  /// Opens (or creates) the folder for `settings`; an old folder made with other settings is
  /// refused unless `restart`, which empties it. A folder in use by another run is refused.
  init(path: String, settingsJSON: String, restart: Bool) throws {
    self.path = path
    let fileManager = FileManager.default
    let settingsPath = path + "/settings.json"
    let hash = fnv1a64Hex(settingsJSON)
    do {
      try fileManager.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw CommandError.foundation("createDirectory", path: path, error)
    }
    lock = try FolderLock(claiming: path)
    let old = try? String(contentsOfFile: settingsPath, encoding: .utf8)
    let oldHash = old.flatMap { $0.split(separator: "\n").first.map(String.init) }
    let isEmpty = (try? fileManager.contentsOfDirectory(atPath: path))?
      .allSatisfy { $0 == FolderLock.fileName } ?? false
    if oldHash != "hash " + hash && !isEmpty {
      guard restart else {
        throw CommandError(
          path: path,
          message: "Work folder '\(path)' holds frames made with other settings (or is not a "
            + "work folder); pass --restart to discard them, or --work-dir to use another folder.")
      }
      for name in try fileManager.contentsOfDirectory(atPath: path) where name != FolderLock.fileName {
        try fileManager.removeItem(atPath: path + "/" + name)
      }
    }
    if oldHash != "hash " + hash {
      do {
        try ("hash " + hash + "\n" + settingsJSON + "\n").write(
          toFile: settingsPath, atomically: true, encoding: .utf8)
      } catch {
        throw CommandError.foundation("write", path: settingsPath, error)
      }
    }
  }

  /// The checkpoint of frame `index` (0-based) after `pass`: `00001.png`, ... for the first
  /// pass, `pass2/00001.png`, ... for later ones.
  func framePath(_ index: Int, pass: Int = 1) -> String {
    Self.framePath(index, pass: pass, in: path)
  }

  /// `framePath(index, pass:)` of the work folder at `folder`, without opening it.
  static func framePath(_ index: Int, pass: Int, in folder: String) -> String {
    folder + (pass == 1 ? "" : "/pass\(pass)") + String(format: "/%05d.png", index + 1)
  }

  /// Frame `index` (0-based) as read, at processing size, for passes after the first.
  func originalPath(_ index: Int) -> String {
    path + String(format: "/originals/%05d.png", index + 1)
  }

  /// Makes the folders of the originals and of the checkpoints of passes 2 ... `passes`.
  func createPassFolders(passes: Int) throws {
    guard passes > 1 else { return }
    for folder in [path + "/originals"] + (2...passes).map({ path + "/pass\($0)" }) {
      do {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      } catch {
        throw CommandError.foundation("createDirectory", path: folder, error)
      }
    }
  }

  /// Deletes the folder.
  func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// An exclusive `flock` on a folder's `.lock` file, held until this value is gone; the kernel
/// releases it however the process ends (kill -9 included), so a stale lock cannot block a resume.
final class FolderLock {
  static let fileName = ".lock"
  private let descriptor: Int32

  /// Claims `folder`; throws when another process holds it.
  init(claiming folder: String) throws {
    let path = folder + "/" + Self.fileName
    descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw CommandError.system("open", path: path)
    }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      let reason = errno
      close(descriptor)
      if reason == EWOULDBLOCK {
        throw CommandError(
          path: folder,
          message: "Work folder '\(folder)' is in use by another run; wait for it to end, or "
            + "pass --work-dir to use another folder.")
      }
      throw CommandError.system("flock", path: path, errorNumber: reason)
    }
  }

  deinit { close(descriptor) }
}

/// FNV-1a, 64 bits, as 16 hex digits: identifies a settings text (not a security hash).
func fnv1a64Hex(_ text: String) -> String {
  var hash = FNV1a64()
  hash.add(text.utf8)
  return hash.hex
}

/// FNV-1a with 64 bits, fed piece by piece: identifies texts and inputs, not a security hash.
struct FNV1a64 {
  private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

  mutating func add<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
    for byte in bytes {
      value ^= UInt64(byte)
      value = value &* 0x100_0000_01b3
    }
  }

  /// 16 hex digits.
  var hex: String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}
