import Foundation

/// A Middlebury `.flo` file that could not be read or written; `description` names the file.
public struct FlowFileError: Error, CustomStringConvertible, Equatable {
  /// The file concerned.
  let path: String
  /// What was wrong, such as "bad tag 1.5 (expected 202021.25)".
  let reason: String

  /// A message such as `flow file 'a.flo': bad tag 1.5 (expected 202021.25)`.
  public var description: String { "flow file '\(path)': \(reason)" }
}

extension FlowField {
  /// The tag that opens every Middlebury flow file ("PIEH" read as a little-endian float).
  static let middleburyTag: Float = 202021.25

  /// Reads a Middlebury `.flo` file.
  ///
  /// Layout (Baker et al. 2011), little endian: float32 tag 202021.25, int32 width, int32
  /// height, then float32 (u, v) interleaved, row-major. Values above 1e9 ("unknown") are kept
  /// as stored.
  /// - Throws: `FlowFileError` naming `path` for a missing file, a bad tag, implausible
  ///   dimensions, or a file shorter than its header says.
  public static func read(from path: String) throws -> FlowField {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw FlowFileError(path: path, reason: "no such file or not readable")
    }
    let bytes = [UInt8](data)
    guard bytes.count >= 12 else {
      throw FlowFileError(
        path: path, reason: "file is \(bytes.count) bytes, shorter than its 12-byte header")
    }
    func word(_ offset: Int) -> UInt32 {
      (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
    let tag = Float(bitPattern: word(0))
    guard tag == middleburyTag else {
      throw FlowFileError(path: path, reason: "bad tag \(tag) (expected \(middleburyTag))")
    }
    let width = Int(Int32(bitPattern: word(4)))
    let height = Int(Int32(bitPattern: word(8)))
    guard width > 0, height > 0, width < 1 << 15, height < 1 << 15 else {
      throw FlowFileError(path: path, reason: "implausible size \(width)x\(height)")
    }
    let expected = 12 + 8 * width * height
    guard bytes.count >= expected else {
      throw FlowFileError(
        path: path,
        reason: "file is \(bytes.count) bytes, \(width)x\(height) flow needs \(expected)")
    }
    var flow = FlowField(width: width, height: height)
    for index in 0..<(width * height) {
      flow.u[index] = Float(bitPattern: word(12 + 8 * index))
      flow.v[index] = Float(bitPattern: word(16 + 8 * index))
    }
    return flow
  }

  /// Writes the field as a Middlebury `.flo` file (layout as in `read(from:)`).
  /// - Throws: `FlowFileError` naming `path` if the file cannot be written.
  public func write(to path: String) throws {
    var bytes = [UInt8]()
    bytes.reserveCapacity(12 + 8 * width * height)
    func append(_ word: UInt32) {
      for shift in stride(from: 0, to: 32, by: 8) {
        bytes.append(UInt8(truncatingIfNeeded: word >> UInt32(shift)))
      }
    }
    append(Self.middleburyTag.bitPattern)
    append(UInt32(bitPattern: Int32(width)))
    append(UInt32(bitPattern: Int32(height)))
    for index in 0..<(width * height) {
      append(u[index].bitPattern)
      append(v[index].bitPattern)
    }
    do {
      try Data(bytes).write(to: URL(fileURLWithPath: path))
    } catch {
      throw FlowFileError(path: path, reason: "cannot write: \(error.localizedDescription)")
    }
  }
}
