import Foundation
import Testing

@testable import Engine

/// Writes legacy torch.save files opcode by opcode, the way torch 0.4-1.x wrote them.
struct LegacyTorchFile {
  var bytes: [UInt8] = []

  mutating func op(_ code: UInt8, _ operand: [UInt8] = []) { bytes.append(code); bytes += operand }
  mutating func string(_ text: String) {
    let utf8 = Array(text.utf8)
    op(0x58, withUnsafeBytes(of: UInt32(utf8.count).littleEndian, Array.init) + utf8)
  }
  mutating func int(_ n: Int) {
    if n < 256 {
      op(0x4B, [UInt8(n)])
    } else {
      op(0x4D, withUnsafeBytes(of: UInt16(n).littleEndian, Array.init))
    }
  }
  mutating func global(_ module: String, _ name: String) {
    op(0x63, Array("\(module)\n\(name)\n".utf8))
  }

  /// The magic number, protocol version and system info pickles that open every file.
  static func header() -> LegacyTorchFile {
    var file = LegacyTorchFile()
    file.op(0x80, [2]); file.op(0x8A, [10] + TorchCheckpoint.magic); file.op(0x2E)
    file.op(0x80, [2]); file.int(1001); file.op(0x2E)
    file.op(0x80, [2]); file.op(0x7D); file.op(0x28)
    file.string("little_endian"); file.op(0x88); file.op(0x75); file.op(0x2E)
    return file
  }

  /// One file holding float32 tensors `name -> (shape, values)`, each in its own storage.
  static func make(_ tensors: [(name: String, shape: [Int], values: [Float])]) -> [UInt8] {
    var file = header()
    file.op(0x80, [2]); file.op(0x7D); file.op(0x71, [0]); file.op(0x28)
    for (index, tensor) in tensors.enumerated() {
      file.string(tensor.name)
      file.global("torch._utils", "_rebuild_tensor_v2")
      file.op(0x28); file.op(0x28)
      file.string("storage"); file.global("torch", "FloatStorage"); file.string("key\(index)")
      file.string("cpu"); file.int(tensor.values.count); file.op(0x4E); file.op(0x74); file.op(0x51)
      file.int(0)
      file.op(0x28); tensor.shape.forEach { file.int($0) }; file.op(0x74)
      file.op(0x28)
      for axis in tensor.shape.indices { file.int(tensor.shape[(axis + 1)...].reduce(1, *)) }
      file.op(0x74)
      file.op(0x89); file.global("collections", "OrderedDict"); file.op(0x29); file.op(0x52)
      file.op(0x74); file.op(0x52)
    }
    file.op(0x75); file.op(0x2E)
    file.op(0x80, [2]); file.op(0x5D); file.op(0x28)
    tensors.indices.forEach { file.string("key\($0)") }
    file.op(0x65); file.op(0x2E)
    for tensor in tensors {
      file.bytes += withUnsafeBytes(of: Int64(tensor.values.count).littleEndian, Array.init)
      file.bytes += tensor.values.withUnsafeBytes(Array.init)
    }
    return file.bytes
  }
}

@Suite struct CheckpointTests {
  private func temporaryFile(_ bytes: [UInt8]) throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("stylize-video-test-\(UUID().uuidString).bin").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  private let synthetic = LegacyTorchFile.make([
    ("a", [2, 3], [1, 2, 3, 4, 5, 6]), ("b", [4], [-1.5, 0, 0.25, 1e9]),
  ])

  @Test func readsASyntheticFile() throws {
    let path = try temporaryFile(synthetic)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let checkpoint = try TorchCheckpoint(contentsOf: path, expectedSHA256: nil)
    #expect(checkpoint.tensors["a"]?.shape == [2, 3])
    #expect(checkpoint.tensors["a"]?.storage == .float32([1, 2, 3, 4, 5, 6]))
    #expect(checkpoint.tensors["b"]?.storage == .float32([-1.5, 0, 0.25, 1e9]))
    // The checksum is checked when asked for.
    #expect(throws: WeightsError.self) {
      try TorchCheckpoint(contentsOf: path, expectedSHA256: String(repeating: "0", count: 64))
    }
    let digest = SHA256.hexDigest(synthetic)
    #expect(try TorchCheckpoint(contentsOf: path, expectedSHA256: digest).tensors.count == 2)
  }

  @Test func truncatedAndExtendedFilesAreMalformed() throws {
    for bytes in [Array(synthetic.dropLast(3)), Array(synthetic.prefix(40)), synthetic + [0]] {
      let path = try temporaryFile(bytes)
      defer { try? FileManager.default.removeItem(atPath: path) }
      do {
        _ = try TorchCheckpoint(contentsOf: path, expectedSHA256: nil)
        Issue.record("a file of \(bytes.count) bytes was accepted")
      } catch let error as WeightsError {
        guard case .malformed = error else { Issue.record("wrong error \(error)"); continue }
        #expect(error.description.contains(path))
      }
    }
  }

  @Test func unknownOpcodeIsNamedWithItsOffset() throws {
    var bytes = synthetic
    bytes[17] = 0x47  // BINFLOAT, where the protocol pickle's BININT2 was
    let path = try temporaryFile(bytes)
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(
      throws: WeightsError.malformed(
        path: path, reason: "unsupported pickle opcode 0x47 at offset 17")
    ) {
      try TorchCheckpoint(contentsOf: path, expectedSHA256: nil)
    }
  }

  /// A main pickle that tries to reach beyond the tensor rebuild: each must be refused where
  /// it tries, with the opcode's offset, before anything is built from it.
  enum HostilePickle: String, CaseIterable, Sendable {
    case systemCall, evalCall, reduceOfAString, reduceOfAStorageType, foreignPersistentID
    case build, inst, obj, newObj, newObjEx, ext1, ext2, ext4, stackGlobal, persID

    /// Writes the pickle's opcodes up to the one that must be refused; returns its offset.
    func write(into file: inout LegacyTorchFile, marker: String) -> Int {
      file.op(0x80, [2])
      switch self {
      case .systemCall, .evalCall:
        let at = file.bytes.count
        let (module, name) = self == .systemCall ? ("os", "system") : ("builtins", "eval")
        file.global(module, name)
        file.string("touch \(marker)"); file.op(0x85); file.op(0x52)
        return at
      case .reduceOfAString, .reduceOfAStorageType:
        if self == .reduceOfAString {
          file.string("torch")
        } else {
          file.global("torch", "ByteStorage")
        }
        file.op(0x29)
        defer { file.op(0x52) }
        return file.bytes.count
      case .foreignPersistentID:
        file.op(0x28); file.string("module"); file.string("os"); file.op(0x74)
        defer { file.op(0x51) }
        return file.bytes.count
      default:
        file.op(0x7D); file.op(0x7D)
        let at = file.bytes.count
        file.op(opcode, operand)
        return at
      }
    }

    /// The opcode of the cases that are refused as unsupported, with an operand of its form.
    var opcode: UInt8 {
      switch self {
      case .build: 0x62
      case .inst: 0x69
      case .obj: 0x6F
      case .newObj: 0x81
      case .newObjEx: 0x92
      case .ext1: 0x82
      case .ext2: 0x83
      case .ext4: 0x84
      case .stackGlobal: 0x93
      case .persID: 0x50
      default: 0
      }
    }

    var operand: [UInt8] {
      switch self {
      case .inst: Array("os\nsystem\n".utf8)
      case .ext1: [1]
      case .ext2: [1, 0]
      case .ext4: [1, 0, 0, 0]
      case .persID: Array("1\n".utf8)
      default: []
      }
    }

    /// What the reader must say, given the refused opcode's offset.
    func reason(at offset: Int) -> String {
      switch self {
      case .systemCall: "GLOBAL 'os system' at offset \(offset) is not one a tensor file needs"
      case .evalCall: "GLOBAL 'builtins eval' at offset \(offset) is not one a tensor file needs"
      case .reduceOfAString, .reduceOfAStorageType:
        "REDUCE at offset \(offset) calls something other than a tensor rebuild"
      case .foreignPersistentID: "BINPERSID at offset \(offset) is not a storage id"
      default: "unsupported pickle opcode 0x\(String(opcode, radix: 16)) at offset \(offset)"
      }
    }
  }

  @Test(arguments: HostilePickle.allCases)
  func hostilePicklesAreRefusedWhereTheyTry(_ hostile: HostilePickle) throws {
    let marker = FileManager.default.temporaryDirectory
      .appendingPathComponent("stylize-video-pickle-ran-\(UUID().uuidString)").path
    var file = LegacyTorchFile.header()
    let offset = hostile.write(into: &file, marker: marker)
    file.op(0x2E)
    let path = try temporaryFile(file.bytes)
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(throws: WeightsError.malformed(path: path, reason: hostile.reason(at: offset))) {
      try TorchCheckpoint(contentsOf: path, expectedSHA256: nil)
    }
    #expect(!FileManager.default.fileExists(atPath: marker), "the pickle's command ran")
  }

  @Test func missingFileSaysHowToFetchIt() {
    let path = "/nonexistent/stylize-video/weights.bin"
    do {
      _ = try VGG19(weightsAt: path)
      Issue.record("loading a missing file succeeded")
    } catch let error as WeightsError {
      #expect(error == .missing(path: path))
      #expect(error.description.contains(path) && error.description.contains("make weights"))
    } catch {
      Issue.record("unexpected error \(error)")
    }
  }

  @Test func defaultWeightsPathFollowsTheFetchScript() {
    let name = VGG19.weightsFileName
    #expect(
      VGG19.defaultWeightsPath(environment: ["STYLIZE_VIDEO_WEIGHTS": "/w.bin", "HOME": "/h"])
        == "/w.bin")
    #expect(
      VGG19.defaultWeightsPath(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"])
        == "/x/stylize-video/\(name)")
    #expect(
      VGG19.defaultWeightsPath(environment: ["HOME": "/h"]) == "/h/.cache/stylize-video/\(name)")
  }

  /// Reference values computed with numpy from the same file, independently of this reader:
  /// the first quantized byte, the first dequantized weight (`table[q[0]]`), and the float64
  /// sums of each layer's weights and biases.
  @Test func realWeightsMatchTheReferenceValues() throws {
    let path = VGG19.defaultWeightsPath()
    guard FileManager.default.fileExists(atPath: path) else {
      Issue.record(
        "VGG-19 weights missing at \(path): run `make weights` or `scripts/fetch-weights.sh`")
      return
    }
    let checkpoint = try TorchCheckpoint(contentsOf: path, expectedSHA256: VGG19.expectedSHA256)
    #expect(checkpoint.tensors.count == 48)
    let references: [(String, Int, UInt8, Float, Double, Double)] = [
      ("block1_conv1", 3, 229, 0.3406327962875366, -3.541186, 29.940525),
      ("block3_conv2", 256, 112, -0.0012548713712021708, -55.489312, 11.038400),
      ("block5_conv4", 512, 94, -0.004655823577195406, -2534.850719, 87.871659),
    ]
    for (name, inChannels, q0, w0, weightSum, biasSum) in references {
      let outChannels = name == "block1_conv1" ? 64 : inChannels
      guard case .uint8(let q)? = checkpoint.tensors[name + "_W_q"]?.storage else {
        Issue.record("\(name)_W_q missing"); continue
      }
      #expect(q[0] == q0)
      let (weights, bias) = try checkpoint.convolution(
        name, outChannels: outChannels, inChannels: inChannels, path: path)
      #expect(weights[0] == w0)
      #expect(abs(weights.reduce(0.0) { $0 + Double($1) } - weightSum) < 1e-5, "sum(W) of \(name)")
      #expect(abs(bias.reduce(0.0) { $0 + Double($1) } - biasSum) < 1e-5, "sum(b) of \(name)")
    }
    guard case .float32(let table)? = checkpoint.tensors["block1_conv1_W_table"]?.storage,
      case .float32(let bias)? = checkpoint.tensors["block1_conv1_b"]?.storage
    else { Issue.record("block1_conv1 table or bias missing"); return }
    #expect(maxAbsDifference(Array(table[0..<3]), [-0.65099519, -0.58979350, -0.52752906]) < 1e-7)
    #expect(maxAbsDifference(Array(bias[0..<3]), [0.73017758, 0.06493629, 0.03428847]) < 1e-7)
    #expect(table == table.sorted())
  }
}
