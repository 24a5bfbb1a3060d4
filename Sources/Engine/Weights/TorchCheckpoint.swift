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
/// Layout (TOOLCHAIN.md §9): five protocol-2 pickles (magic number, protocol version 1001, system
/// info, a dict of tensors, the list of storage keys), then for each key in the list's order an
/// Int64 element count followed by the raw little-endian storage. Only the pickle opcodes that
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
    guard case .list(let keyValues) = try reader.load() else {
      throw PickleError("the storage keys are not a list")
    }

    // Each value: _rebuild_tensor_v2((storage pid), offset, size, stride, requires_grad, hooks).
    var described: [String: (key: String, isByte: Bool, numel: Int, shape: [Int])] = [:]
    for (name, value) in entries {
      guard case .string(let name) = name,
        case .call(.global("torch._utils", "_rebuild_tensor_v2"), .tuple(let args)) = value,
        args.count >= 4, case .persistent(.tuple(let pid)) = args[0], pid.count >= 5,
        case .global("torch", let storageType) = pid[1], case .string(let key) = pid[2],
        case .int(let numel) = pid[4], case .int(0) = args[1],
        case .tuple(let sizeValues) = args[2], case .tuple(let strideValues) = args[3]
      else { throw PickleError("a tensor entry does not have the _rebuild_tensor_v2 form") }
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
      described[name] = (key, storageType == "ByteStorage", numel, shape)
    }

    // Raw storages, in the order of the keys list.
    var storages: [String: Storage] = [:]
    var offset = reader.offset
    let byKey = Dictionary(described.values.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    for keyValue in keyValues {
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
    var tensors: [String: Entry] = [:]
    for (name, entry) in described {
      guard let storage = storages[entry.key] else { throw PickleError("\(name): storage missing") }
      tensors[name] = Entry(shape: entry.shape, storage: storage)
    }
    return tensors
  }
}

/// A pickle problem, with the byte offset where it was found.
struct PickleError: Error {
  var message: String
  init(_ message: String) { self.message = message }
}

/// A value on the pickle machine's stack.
indirect enum PickleValue: Equatable {
  case none
  case bool(Bool)
  case int(Int)
  /// A LONG1 integer too wide for `Int`, as its little-endian two's-complement bytes.
  case long([UInt8])
  case string(String)
  case tuple([PickleValue])
  case list([PickleValue])
  case dict([(PickleValue, PickleValue)])
  case global(String, String)
  /// The result of REDUCE: a callable applied to an argument tuple (never evaluated).
  case call(PickleValue, PickleValue)
  case persistent(PickleValue)
  case mark

  static func == (lhs: PickleValue, rhs: PickleValue) -> Bool {
    switch (lhs, rhs) {
    case (.none, .none), (.mark, .mark): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.int(let a), .int(let b)): return a == b
    case (.long(let a), .long(let b)): return a == b
    case (.string(let a), .string(let b)): return a == b
    case (.tuple(let a), .tuple(let b)), (.list(let a), .list(let b)): return a == b
    case (.dict(let a), .dict(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    case (.global(let a, let b), .global(let c, let d)): return a == c && b == d
    case (.call(let a, let b), .call(let c, let d)): return a == c && b == d
    case (.persistent(let a), .persistent(let b)): return a == b
    default: return false
    }
  }
}

/// A stack machine for the protocol-2 opcodes legacy torch files use (TOOLCHAIN.md §9).
struct PickleReader {
  let bytes: UnsafeRawBufferPointer
  /// Where the next pickle starts.
  private(set) var offset = 0

  init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  /// Runs one pickle up to its STOP and returns the value it built.
  mutating func load() throws -> PickleValue {
    var stack: [PickleValue] = []
    var memo: [Int: PickleValue] = [:]
    while true {
      let at = offset
      let opcode = try byte()
      func pop() throws -> PickleValue {
        guard let value = stack.popLast() else {
          throw PickleError("stack underflow at offset \(at)")
        }
        return value
      }
      func popToMark() throws -> [PickleValue] {
        guard let mark = stack.lastIndex(of: .mark) else {
          throw PickleError("no MARK for opcode 0x\(String(opcode, radix: 16)) at offset \(at)")
        }
        let items = Array(stack[(mark + 1)...])
        stack.removeSubrange(mark...)
        return items
      }
      switch opcode {
      case 0x80:  // PROTO
        guard try byte() == 2 else { throw PickleError("pickle protocol is not 2 at offset \(at)") }
      case 0x2E:  // STOP
        return try pop()
      case 0x8A:  // LONG1
        let n = Int(try byte())
        let raw = try take(n)
        if n <= 8 {
          var value: Int64 = 0
          for (i, b) in raw.enumerated() { value |= Int64(b) << (8 * Int64(i)) }
          if n > 0 && n < 8 && raw[n - 1] & 0x80 != 0 { value -= Int64(1) << (8 * Int64(n)) }
          stack.append(.int(Int(value)))
        } else {
          stack.append(.long(raw))
        }
      case 0x4B: stack.append(.int(Int(try byte())))  // BININT1
      case 0x4D: stack.append(.int(Int(try little(UInt16.self))))  // BININT2
      case 0x4A: stack.append(.int(Int(Int32(bitPattern: try little(UInt32.self)))))  // BININT
      case 0x58:  // BINUNICODE
        let length = Int(try little(UInt32.self))
        guard let text = String(validating: try take(length), as: UTF8.self) else {
          throw PickleError("invalid UTF-8 string at offset \(at)")
        }
        stack.append(.string(text))
      case 0x88: stack.append(.bool(true))  // NEWTRUE
      case 0x89: stack.append(.bool(false))  // NEWFALSE
      case 0x4E: stack.append(.none)  // NONE
      case 0x7D: stack.append(.dict([]))  // EMPTY_DICT
      case 0x5D: stack.append(.list([]))  // EMPTY_LIST
      case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
      case 0x28: stack.append(.mark)  // MARK
      case 0x74: stack.append(.tuple(try popToMark()))  // TUPLE
      case 0x85: stack.append(.tuple([try pop()]))  // TUPLE1
      case 0x75:  // SETITEMS
        let items = try popToMark()
        guard items.count % 2 == 0, case .dict(var pairs) = try pop() else {
          throw PickleError("SETITEMS without a dict at offset \(at)")
        }
        for i in stride(from: 0, to: items.count, by: 2) { pairs.append((items[i], items[i + 1])) }
        stack.append(.dict(pairs))
      case 0x65:  // APPENDS
        let items = try popToMark()
        guard case .list(let list) = try pop() else {
          throw PickleError("APPENDS without a list at offset \(at)")
        }
        stack.append(.list(list + items))
      case 0x71, 0x72:  // BINPUT, LONG_BINPUT
        let index = opcode == 0x71 ? Int(try byte()) : Int(try little(UInt32.self))
        guard let top = stack.last else {
          throw PickleError("BINPUT on empty stack at offset \(at)")
        }
        memo[index] = top
      case 0x68:  // BINGET
        let index = Int(try byte())
        guard let value = memo[index] else {
          throw PickleError("BINGET of unset memo \(index) at offset \(at)")
        }
        stack.append(value)
      case 0x63:  // GLOBAL
        stack.append(.global(try line(), try line()))
      case 0x51: stack.append(.persistent(try pop()))  // BINPERSID
      case 0x52:  // REDUCE
        let args = try pop()
        stack.append(.call(try pop(), args))
      default:
        throw PickleError(
          "unsupported pickle opcode 0x\(String(opcode, radix: 16)) at offset \(at)")
      }
    }
  }

  private mutating func byte() throws -> UInt8 {
    guard offset < bytes.count else { throw PickleError("truncated pickle at offset \(offset)") }
    defer { offset += 1 }
    return bytes[offset]
  }

  private mutating func take(_ count: Int) throws -> [UInt8] {
    guard count >= 0, offset + count <= bytes.count else {
      throw PickleError("truncated pickle at offset \(offset)")
    }
    defer { offset += count }
    return Array(bytes[offset..<(offset + count)])
  }

  private mutating func little<T: FixedWidthInteger>(_: T.Type) throws -> T {
    let raw = try take(MemoryLayout<T>.size)
    return raw.reversed().reduce(T(0)) { ($0 << 8) | T($1) }
  }

  /// A newline-terminated ASCII operand of GLOBAL.
  private mutating func line() throws -> String {
    let start = offset
    while try byte() != 0x0A {}
    return String(decoding: bytes[start..<(offset - 1)], as: UTF8.self)
  }
}
