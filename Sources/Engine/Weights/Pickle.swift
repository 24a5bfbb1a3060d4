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

/// The stack of a `PickleReader`.
struct PickleStack {
  private var values: [PickleValue] = []

  /// The value on top, if any.
  var top: PickleValue? { values.last }

  mutating func push(_ value: PickleValue) { values.append(value) }

  /// Removes the top value; `at` is the offset of the opcode that needs it.
  mutating func pop(at: Int) throws -> PickleValue {
    guard let value = values.popLast() else { throw PickleError("stack underflow at offset \(at)") }
    return value
  }

  /// Removes the values above the topmost MARK and the MARK, and returns them (bottom first).
  mutating func popToMark(for opcode: UInt8, at: Int) throws -> [PickleValue] {
    guard let mark = values.lastIndex(of: .mark) else {
      throw PickleError("no MARK for opcode 0x\(String(opcode, radix: 16)) at offset \(at)")
    }
    let items = Array(values[(mark + 1)...])
    values.removeSubrange(mark...)
    return items
  }
}

/// A stack machine for the protocol-2 opcodes that legacy torch files use: PROTO, STOP, the
/// integers (BININT1, BININT2, BININT, LONG1), BINUNICODE, NONE, NEWTRUE, NEWFALSE, the empty
/// containers, MARK, TUPLE, TUPLE1, SETITEMS, APPENDS, the memo (BINPUT, LONG_BINPUT, BINGET),
/// GLOBAL, BINPERSID and REDUCE. Nothing is ever evaluated: REDUCE only records the call. A
/// hostile file cannot name anything else either: GLOBAL takes only the four names a tensor
/// file needs, REDUCE only calls one of the two callables among them, BINPERSID only takes a
/// storage id, and any other opcode (BUILD, INST, OBJ, NEWOBJ, EXT1/2/4, STACK_GLOBAL, PERSID,
/// ...) is refused, each with its byte offset.
struct PickleReader {
  /// The module and name of every GLOBAL a legacy tensor file holds: the tensor rebuild, its
  /// two storage types, and the empty OrderedDict of its hooks.
  static let allowedGlobals: Set<[String]> = [
    ["torch._utils", "_rebuild_tensor_v2"], ["torch", "ByteStorage"], ["torch", "FloatStorage"],
    ["collections", "OrderedDict"],
  ]
  /// The GLOBALs REDUCE may call.
  static let allowedCalls: Set<[String]> = [
    ["torch._utils", "_rebuild_tensor_v2"], ["collections", "OrderedDict"],
  ]

  let bytes: UnsafeRawBufferPointer
  /// Where the next pickle starts.
  private(set) var offset = 0

  init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  /// Runs one pickle up to its STOP and returns the value it built.
  mutating func load() throws -> PickleValue {
    var stack = PickleStack()
    var memo: [Int: PickleValue] = [:]
    while true {
      let at = offset
      let opcode = try byte()
      if opcode == 0x2E { return try stack.pop(at: at) }  // STOP
      if let value = try literal(opcode, at: at) {
        stack.push(value)
      } else {
        try operate(opcode, at: at, on: &stack, memo: &memo)
      }
    }
  }

  /// The value an opcode that pushes what it reads (or a constant) pushes; nil for other opcodes.
  private mutating func literal(_ opcode: UInt8, at: Int) throws -> PickleValue? {
    switch opcode {
    case 0x8A:  // LONG1
      let n = Int(try byte())
      let raw = try take(n)
      guard n <= 8 else { return .long(raw) }
      var value: Int64 = 0
      for (i, b) in raw.enumerated() { value |= Int64(b) << (8 * Int64(i)) }
      if n > 0 && n < 8 && raw[n - 1] & 0x80 != 0 { value -= Int64(1) << (8 * Int64(n)) }
      return .int(Int(value))
    case 0x4B: return .int(Int(try byte()))  // BININT1
    case 0x4D: return .int(Int(try little(UInt16.self)))  // BININT2
    case 0x4A: return .int(Int(Int32(bitPattern: try little(UInt32.self))))  // BININT
    case 0x58:  // BINUNICODE
      let length = Int(try little(UInt32.self))
      guard let text = String(validating: try take(length), as: UTF8.self) else {
        throw PickleError("invalid UTF-8 string at offset \(at)")
      }
      return .string(text)
    case 0x88: return .bool(true)  // NEWTRUE
    case 0x89: return .bool(false)  // NEWFALSE
    case 0x4E: return PickleValue.none  // NONE
    case 0x7D: return .dict([])  // EMPTY_DICT
    case 0x5D: return .list([])  // EMPTY_LIST
    case 0x29: return .tuple([])  // EMPTY_TUPLE
    case 0x28: return .mark  // MARK
    case 0x63:  // GLOBAL
      let (module, name) = (try line(), try line())
      guard Self.allowedGlobals.contains([module, name]) else {
        throw PickleError(
          "GLOBAL '\(module) \(name)' at offset \(at) is not one a tensor file needs")
      }
      return .global(module, name)
    default: return nil
    }
  }

  /// Runs an opcode that works on the stack or the memo (or checks the protocol).
  private mutating func operate(
    _ opcode: UInt8, at: Int, on stack: inout PickleStack, memo: inout [Int: PickleValue]
  ) throws {
    switch opcode {
    case 0x80:  // PROTO
      guard try byte() == 2 else { throw PickleError("pickle protocol is not 2 at offset \(at)") }
    case 0x74: stack.push(.tuple(try stack.popToMark(for: opcode, at: at)))  // TUPLE
    case 0x85: stack.push(.tuple([try stack.pop(at: at)]))  // TUPLE1
    case 0x75:  // SETITEMS
      let items = try stack.popToMark(for: opcode, at: at)
      guard items.count % 2 == 0, case .dict(var pairs) = try stack.pop(at: at) else {
        throw PickleError("SETITEMS without a dict at offset \(at)")
      }
      for i in stride(from: 0, to: items.count, by: 2) { pairs.append((items[i], items[i + 1])) }
      stack.push(.dict(pairs))
    case 0x65:  // APPENDS
      let items = try stack.popToMark(for: opcode, at: at)
      guard case .list(let list) = try stack.pop(at: at) else {
        throw PickleError("APPENDS without a list at offset \(at)")
      }
      stack.push(.list(list + items))
    case 0x71, 0x72:  // BINPUT, LONG_BINPUT
      let index = opcode == 0x71 ? Int(try byte()) : Int(try little(UInt32.self))
      guard let top = stack.top else { throw PickleError("BINPUT on empty stack at offset \(at)") }
      memo[index] = top
    case 0x68:  // BINGET
      let index = Int(try byte())
      guard let value = memo[index] else {
        throw PickleError("BINGET of unset memo \(index) at offset \(at)")
      }
      stack.push(value)
    case 0x51:  // BINPERSID
      let id = try stack.pop(at: at)
      guard case .tuple(let fields) = id, fields.first == .string("storage") else {
        throw PickleError("BINPERSID at offset \(at) is not a storage id")
      }
      stack.push(.persistent(id))
    case 0x52:  // REDUCE
      let args = try stack.pop(at: at)
      let callable = try stack.pop(at: at)
      guard case .global(let module, let name) = callable,
        Self.allowedCalls.contains([module, name])
      else {
        throw PickleError("REDUCE at offset \(at) calls something other than a tensor rebuild")
      }
      stack.push(.call(callable, args))
    default:
      throw PickleError("unsupported pickle opcode 0x\(String(opcode, radix: 16)) at offset \(at)")
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
