import CFFmpeg
import Foundation

/// How a path names media: a folder, a printf pattern, a still image or a media file.
enum PathKind: Equatable {
  case directory, pattern, image, media

  init(_ path: String) {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      isDirectory.boolValue
    {
      self = .directory
    } else if isPrintfPattern(path) {
      self = .pattern
    } else if DirectorySource.imageExtensions.contains(fileExtension(path)) {
      self = .image
    } else {
      self = .media
    }
  }
}

/// Lower-cased extension of the last path component ("" if none).
func fileExtension(_ path: String) -> String {
  (path as NSString).pathExtension.lowercased()
}

/// Whether the file name holds a frame-number placeholder such as `%05d` or `%d`.
func isPrintfPattern(_ path: String) -> Bool {
  (path as NSString).lastPathComponent.range(of: #"%0?[0-9]*d"#, options: .regularExpression) != nil
}

/// The image files directly inside `directory` (hidden files and other files ignored), in natural order.
func naturallySortedImages(in directory: String) throws -> [String] {
  let names: [String]
  do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
    throw VideoError(function: "opendir", path: directory, code: cff_averror(ENOENT))
  }
  return names.filter {
    !$0.hasPrefix(".") && DirectorySource.imageExtensions.contains(fileExtension($0))
  }
  .sorted { naturalOrder($0, $1) }
  .map { (directory as NSString).appendingPathComponent($0) }
}

/// `frame2.png` < `frame10.png`: digit runs compare by value, other text case-insensitively;
/// ties (`a01` vs `a1`, `A` vs `a`) fall back to plain string order.
func naturalOrder(_ a: String, _ b: String) -> Bool {
  let left = naturalChunks(a), right = naturalChunks(b)
  for (x, y) in zip(left, right) {
    switch (x, y) {
    case (.number(let m), .number(let n)) where m != n: return m < n
    case (.number, .text): return true
    case (.text, .number): return false
    case (.text(let s), .text(let t)) where s.lowercased() != t.lowercased():
      return s.lowercased() < t.lowercased()
    default: continue
    }
  }
  return left.count != right.count ? left.count < right.count : a < b
}

private enum NaturalChunk: Equatable {
  case number(Double)
  case text(String)
}

private func naturalChunks(_ name: String) -> [NaturalChunk] {
  var chunks: [NaturalChunk] = []
  var run = "", runIsDigits = false
  func flush() {
    guard !run.isEmpty else { return }
    chunks.append(runIsDigits ? .number(Double(run) ?? 0) : .text(run))
    run = ""
  }
  for character in name {
    if character.isASCII && character.isNumber != runIsDigits {
      flush(); runIsDigits.toggle()
    } else if !character.isASCII && runIsDigits {
      flush(); runIsDigits = false
    }
    run.append(character)
  }
  flush()
  return chunks
}
