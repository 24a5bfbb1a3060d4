import Foundation

/// Why a weights file could not be used.
///
/// The description names the file and what to do about it.
public enum WeightsError: Error, Equatable, CustomStringConvertible {
  /// There is no file at `path`.
  case missing(path: String)
  /// The file's SHA-256 is not the expected one (a partial download or another file).
  case checksumMismatch(path: String, expected: String, found: String)
  /// The file is not a legacy torch.save file of the expected layout; `reason` says where.
  case malformed(path: String, reason: String)

  public var description: String {
    let fetch = "run `make weights` or `scripts/fetch-weights.sh` to fetch it"
    switch self {
    case .missing(let path):
      return "VGG-19 weights not found at \(path): \(fetch) (or set STYLIZE_VIDEO_WEIGHTS)"
    case .checksumMismatch(let path, let expected, let found):
      return
        "VGG-19 weights at \(path) have sha256 \(found), expected \(expected): delete the file and \(fetch)"
    case .malformed(let path, let reason):
      return "VGG-19 weights at \(path) are malformed (\(reason)): delete the file and \(fetch)"
    }
  }
}

/// The tensors of a legacy (non-zip) `torch.save` file, read without Python.
///
/// Layout: five protocol-2 pickles (magic number, protocol version 1001, system info, a dict of
/// tensors, the list of storage keys), then for each key in the list's order an Int64 element
/// count followed by the raw little-endian storage. Only the pickle opcodes that
/// such files use are understood; anything else is reported with its byte offset.
struct TorchCheckpoint {
  /// The element type of a storage.
  enum Storage: Equatable {
    case uint8([UInt8])
    case float32([Float])
  }

  /// One tensor: contiguous, storage offset 0 (the only case the files use).
  struct Entry {
    var shape: [Int]
    var storage: Storage
  }

  /// The tensors by name, such as `block1_conv1_W_q`.
  var tensors: [String: Entry]

  /// The magic number every legacy torch file starts with, as LONG1 bytes (little-endian).
  static let magic: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]

  /// Reads the file at `path`, checking its SHA-256 first unless `expectedSHA256` is nil.
  init(contentsOf path: String, expectedSHA256: String?) throws {
    guard FileManager.default.fileExists(atPath: path) else {
      throw WeightsError.missing(path: path)
    }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
    } catch {
      throw WeightsError.malformed(path: path, reason: "unreadable: \(error.localizedDescription)")
    }
    self.tensors = try data.withUnsafeBytes { bytes in
      if let expected = expectedSHA256 {
        let found = SHA256.hexDigest(bytes)
        guard found == expected.lowercased() else {
          throw WeightsError.checksumMismatch(path: path, expected: expected, found: found)
        }
      }
      do {
        return try Self.parse(bytes)
      } catch let error as PickleError {
        throw WeightsError.malformed(path: path, reason: error.message)
      }
    }
  }

  /// Reads the tensors from the bytes of a whole file.
  static func parse(_ bytes: UnsafeRawBufferPointer) throws -> [String: Entry] {
    var reader = PickleReader(bytes: bytes)
    let (entries, keys) = try readPickles(&reader)
    var described: [String: Description] = [:]
    for (name, value) in entries {
      guard case .string(let name) = name else { throw Description.wrongForm }
      described[name] = try Description(name, value)
    }
    let storages = try readStorages(bytes, from: reader.offset, keys: keys, described: described)
    var tensors: [String: Entry] = [:]
    for (name, entry) in described {
      guard let storage = storages[entry.key] else { throw PickleError("\(name): storage missing") }
      tensors[name] = Entry(shape: entry.shape, storage: storage)
    }
    return tensors
  }

  /// Reads the five pickles and checks the first three; returns the dict of tensors and the
  /// storage keys.
  private static func readPickles(_ reader: inout PickleReader) throws
    -> (entries: [(PickleValue, PickleValue)], keys: [PickleValue])
  {
    guard case .long(let magicBytes) = try reader.load(), magicBytes == magic else {
      throw PickleError("bad magic number: not a legacy torch.save file")
    }
    guard case .int(1001) = try reader.load() else {
      throw PickleError("unsupported torch protocol version (expected 1001)")
    }
    guard case .dict(let info) = try reader.load(),
      info.contains(where: { $0.0 == .string("little_endian") && $0.1 == .bool(true) })
    else { throw PickleError("system info missing or not little-endian") }
    guard case .dict(let entries) = try reader.load() else {
      throw PickleError("the tensors are not a dict")
    }
    guard case .list(let keys) = try reader.load() else {
      throw PickleError("the storage keys are not a list")
    }
    return (entries, keys)
  }

  /// What the dict of tensors says about one tensor: its storage's key, type and element
  /// count, and its shape.
  private struct Description {
    var key: String
    var isByte: Bool
    var numel: Int
    var shape: [Int]

    static let wrongForm = PickleError("a tensor entry does not have the _rebuild_tensor_v2 form")

    /// Reads the entry `name`, `_rebuild_tensor_v2((storage pid), offset, size, stride,
    /// requires_grad, hooks)`; only contiguous byte or float tensors at offset 0 are accepted.
    init(_ name: String, _ value: PickleValue) throws {
      guard case .call(.global("torch._utils", "_rebuild_tensor_v2"), .tuple(let args)) = value,
        args.count >= 4, case .persistent(.tuple(let pid)) = args[0], pid.count >= 5,
        case .global("torch", let storageType) = pid[1], case .string(let key) = pid[2],
        case .int(let numel) = pid[4], case .int(0) = args[1],
        case .tuple(let sizeValues) = args[2], case .tuple(let strideValues) = args[3]
      else { throw Self.wrongForm }
      let shape = try sizeValues.map { value -> Int in
        guard case .int(let n) = value, n >= 0 else { throw PickleError("\(name): bad size") }
        return n
      }
      let strides = try strideValues.map { value -> Int in
        guard case .int(let n) = value else { throw PickleError("\(name): bad stride") }
        return n
      }
      var expectedStride = 1
      for axis in shape.indices.reversed() {
        guard strides.count == shape.count, strides[axis] == expectedStride || shape[axis] == 1
        else {
          throw PickleError("\(name): not contiguous (size \(shape), stride \(strides))")
        }
        expectedStride *= shape[axis]
      }
      guard storageType == "ByteStorage" || storageType == "FloatStorage" else {
        throw PickleError("\(name): unsupported storage type torch.\(storageType)")
      }
      guard numel == shape.reduce(1, *) else {
        throw PickleError(
          "\(name): storage holds \(numel) elements, size \(shape) needs more or fewer")
      }
      (self.key, self.numel, self.shape) = (key, numel, shape)
      isByte = storageType == "ByteStorage"
    }
  }

  /// Reads the raw storages that follow the pickles, from byte `offset`, in the order of `keys`;
  /// the file must end with the last one.
  private static func readStorages(
    _ bytes: UnsafeRawBufferPointer, from offset: Int, keys: [PickleValue],
    described: [String: Description]
  ) throws -> [String: Storage] {
    var storages: [String: Storage] = [:]
    var offset = offset
    let byKey = Dictionary(described.values.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    for keyValue in keys {
      guard case .string(let key) = keyValue, let entry = byKey[key] else {
        throw PickleError("storage key \(keyValue) is not used by any tensor")
      }
      guard offset + 8 <= bytes.count else { throw PickleError("truncated before storage \(key)") }
      let count = Int(
        Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
      guard count == entry.numel else {
        throw PickleError("storage \(key) has \(count) elements, expected \(entry.numel)")
      }
      let byteCount = count * (entry.isByte ? 1 : 4)
      offset += 8
      guard offset + byteCount <= bytes.count else {
        throw PickleError("truncated in storage \(key) at offset \(offset)")
      }
      let raw = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + byteCount)])
      if entry.isByte {
        storages[key] = .uint8(Array(raw))
      } else {
        storages[key] = .float32(
          [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)  // little-endian host
            initialized = count
          })
      }
      offset += byteCount
    }
    guard offset == bytes.count else {
      throw PickleError(
        "\(bytes.count - offset) unexpected bytes after the last storage at offset \(offset)")
    }
    return storages
  }
}
