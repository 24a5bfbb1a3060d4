import Foundation
import Testing

@testable import Engine

@Suite struct FlowIOTests {
  let directory = FileManager.default.temporaryDirectory
    .appendingPathComponent("flow-io-\(UUID().uuidString)")

  init() throws {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

  @Test func roundTripIsExact() throws {
    let random = Tensor(randomUniform: [2, 7, 5], in: -40...40, seed: 3).scalars
    var field = FlowField(width: 5, height: 7, u: Array(random[0..<35]), v: Array(random[35...]))
    field.u[4] = 1e10  // unknown
    try field.write(to: path("a.flo"))
    let size = try FileManager.default.attributesOfItem(atPath: path("a.flo"))[.size] as? Int
    #expect(size == 12 + 8 * 35)
    let read = try FlowField.read(from: path("a.flo"))
    #expect(read == field)
    #expect(!read.isKnown(4) && read.isKnown(5))
  }

  @Test func headerIsLittleEndianMiddlebury() throws {
    try FlowField(width: 3, height: 2).write(to: path("b.flo"))
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("b.flo"))))
    #expect(Array(bytes[0..<4]) == Array("PIEH".utf8))  // 202021.25 as little-endian float32
    #expect(Array(bytes[4..<12]) == [3, 0, 0, 0, 2, 0, 0, 0])
  }

  @Test func badTagAndShortFileAreRejectedByName() throws {
    var bytes = [UInt8](repeating: 0, count: 12 + 8 * 6)
    bytes[0] = 1
    try Data(bytes).write(to: URL(fileURLWithPath: path("bad.flo")))
    #expect {
      try FlowField.read(from: path("bad.flo"))
    } throws: { error in
      "\(error)".contains("bad.flo") && "\(error)".contains("bad tag")
    }
    try FlowField(width: 3, height: 2).write(to: path("short.flo"))
    let whole = try Data(contentsOf: URL(fileURLWithPath: path("short.flo")))
    try whole.prefix(30).write(to: URL(fileURLWithPath: path("short.flo")))
    #expect {
      try FlowField.read(from: path("short.flo"))
    } throws: { error in
      "\(error)".contains("short.flo") && "\(error)".contains("needs 60")
    }
    #expect(throws: FlowFileError.self) { try FlowField.read(from: path("missing.flo")) }
  }

  @Test func colorCodingFollowsTheMiddleburyWheel() {
    let field = FlowField(width: 4, height: 1, u: [0, 2, -2, 1e10], v: [0, 0, 0, 0])
    let rgb = field.colorCoded()
    #expect(Array(rgb[0..<3]) == [255, 255, 255])  // no motion: white
    #expect(rgb[3] == 255 && rgb[4] == 0 && rgb[5] < 50)  // rightwards at full length: red
    #expect(rgb[6] == 0 && rgb[7] > 200 && rgb[8] > 200)  // leftwards: cyan
    #expect(Array(rgb[9..<12]) == [0, 0, 0])  // unknown: black
  }
}
