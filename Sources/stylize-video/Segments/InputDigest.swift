import Foundation

/// A digest of the bytes of a video file or frame folder, to tell a plan's input from another
/// one: `fnv1a64:` and 16 hex digits of FNV-1a over the names and sizes of the files (one for a
/// video; a folder's visible files in name order) and over their bytes, taken as one stream:
/// all of it up to 64 MiB, beyond that 64 windows of 1 MiB spread evenly from the first byte to
/// the last. A worker checks it in well under a second however long the film, and any
/// re-encode, trim or other frame changes it; an edit that spares every window would not (it is
/// an identity check, not a security hash).
func digest(ofInput path: String) throws -> String {
  let files = try digestedFiles(path)
  var hash = FNV1a64()
  for file in files {
    hash.add(file.name.utf8)
    hash.add(withUnsafeBytes(of: UInt64(file.size).littleEndian) { Array($0) })
  }
  let total = files.reduce(0) { $0 + $1.size }
  let window = 1 << 20
  let windows: [Range<Int>] =
    total <= 64 * window
    ? [0..<total]
    : (0..<64).map { k in
      let start = k * (total - window) / 63
      return start..<(start + window)
    }
  for range in windows {
    var fileStart = 0
    for file in files {
      let overlap = range.clamped(to: fileStart..<(fileStart + file.size))
      if !overlap.isEmpty {
        hash.add(try bytes(of: file.path, at: overlap.lowerBound - fileStart, count: overlap.count))
      }
      fileStart += file.size
    }
  }
  return "fnv1a64:" + hash.hex
}

/// The files whose bytes make up `path`: the file itself, or a folder's visible regular files.
private func digestedFiles(_ path: String) throws -> [(name: String, path: String, size: Int)] {
  let fileManager = FileManager.default
  var isDirectory: ObjCBool = false
  guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else {
    throw CommandError(path: path, message: "Input '\(path)' does not exist.")
  }
  let paths: [(String, String)]
  if isDirectory.boolValue {
    let names: [String]
    do {
      names = try fileManager.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted()
    } catch {
      throw CommandError.foundation("contentsOfDirectory", path: path, error)
    }
    paths = names.map { ($0, path + "/" + $0) }
  } else {
    paths = [(URL(fileURLWithPath: path).lastPathComponent, path)]
  }
  return try paths.compactMap { name, file in
    let attributes: [FileAttributeKey: Any]
    do {
      attributes = try fileManager.attributesOfItem(atPath: file)
    } catch {
      throw CommandError.foundation("attributesOfItem", path: file, error)
    }
    guard attributes[.type] as? FileAttributeType == .typeRegular else { return nil }
    return (name, file, (attributes[.size] as? Int) ?? 0)
  }
}

/// `count` bytes of the file at `path` from `offset`.
private func bytes(of path: String, at offset: Int, count: Int) throws -> Data {
  guard let handle = FileHandle(forReadingAtPath: path) else {
    throw CommandError.system("open", path: path)
  }
  defer { try? handle.close() }
  do {
    try handle.seek(toOffset: UInt64(offset))
    let data = try handle.read(upToCount: count) ?? Data()
    guard data.count == count else {
      throw CommandError(path: path, message: "'\(path)' changed while it was read.")
    }
    return data
  } catch let error as CommandError {
    throw error
  } catch {
    throw CommandError.foundation("read", path: path, error)
  }
}
