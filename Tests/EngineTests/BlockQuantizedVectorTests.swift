import Testing

@testable import Engine

/// The block floating-point vectors of L-BFGS's history, against plain Double loops.
@Suite struct BlockQuantizedVectorTests {
  /// 7 full blocks and a partial one of 37 elements, of very different magnitudes: uniform in
  /// [-1, 1], ~1e-6, ~1e6, zeros, a mix from 2^-27 to 2^10, a constant, a lone spike, [-100, 100].
  static let vector: [Float] = {
    var random = SeededGenerator(seed: 42)
    let size = BlockQuantizedVector.blockSize
    return (0..<(7 * size + 37)).map { i -> Float in
      let u = Float.random(in: -1...1, using: &random)
      switch i / size {
      case 0: return u
      case 1: return 1e-6 * u
      case 2: return 1e6 * u
      case 3: return 0
      case 4:
        return u
          * Float(sign: .plus, exponent: Int.random(in: -27...10, using: &random), significand: 1)
      case 5: return -3.5
      case 6: return i % size == 100 ? 7 : 0
      default: return 100 * u
      }
    }
  }()

  /// The largest magnitude of the block holding element `i`.
  static func blockMaximum(_ vector: [Float], at i: Int) -> Double {
    let block = BlockQuantizedVector.elements(
      ofBlock: i / BlockQuantizedVector.blockSize, count: vector.count)
    return Double(vector[block].map(abs).max() ?? 0)
  }

  static func dequantized(_ compact: BlockQuantizedVector) -> [Float] {
    var values = [Float](repeating: .nan, count: compact.count)
    compact.dequantize(into: &values)
    return values
  }

  @Test(arguments: [vector, Array(vector.prefix(5)), Array(vector.prefix(256)), []])
  func roundTripIsWithinHalfAStepOfItsBlock(vector: [Float]) {
    let stored = Self.dequantized(BlockQuantizedVector(vector))
    // Half a step, max |block| / 65534, with 1% for the Float rounding of x * 32767 / max and
    // of scale * q.
    var worst: Double = 0
    for i in vector.indices {
      let error = abs(Double(stored[i]) - Double(vector[i]))
      let bound = Self.blockMaximum(vector, at: i) / 65534
      worst = max(worst, bound > 0 ? error / bound : error)
      if vector[i] == 0 && Self.blockMaximum(vector, at: i) == 0 { #expect(stored[i] == 0) }
    }
    #expect(worst <= 1.01, "largest error: \(worst) half-steps")
  }

  @Test func storageIsAboutTwoBytesAnElement() {
    let compact = BlockQuantizedVector([Float](repeating: 1, count: 3 * 512 * 288))
    let bytesPerElement = Double(compact.byteCount) / Double(compact.count)
    #expect(bytesPerElement > 2 && bytesPerElement < 2.03, "\(bytesPerElement) bytes an element")
  }

  @Test func overwriteReplacesTheContentsAndTheSize() {
    var compact = BlockQuantizedVector(Self.vector)
    let reversed = Array(Self.vector.reversed())
    compact.overwrite(with: reversed)
    #expect(Self.dequantized(compact) == Self.dequantized(BlockQuantizedVector(reversed)))
    compact.overwrite(with: [1, -2, 3])
    #expect(compact.count == 3 && compact.blockCount == 1)
    #expect(maxAbsDifference(Self.dequantized(compact), [1, -2, 3]) <= 3.0 / 65534)
  }

  @Test func tinyAndNonFiniteBlocks() {
    // A block below 32767 * leastNormalMagnitude is stored as zeros, a block with an infinity
    // or a NaN reads as NaN, and the blocks around them are unaffected.
    let size = BlockQuantizedVector.blockSize
    var vector = (0..<(4 * size)).map { Float($0 % 7) - 3 }
    for i in 0..<size { vector[i] = 1e-35 * Float(i % 3) }
    vector[size + 5] = .infinity
    vector[2 * size + 9] = .nan
    let stored = Self.dequantized(BlockQuantizedVector(vector))
    #expect(stored[0..<size].allSatisfy { $0 == 0 })
    #expect(stored[size..<(3 * size)].allSatisfy { $0.isNaN })
    #expect(
      maxAbsDifference(Array(stored[(3 * size)...]), Array(vector[(3 * size)...])) <= 3.0 / 65534)
  }

  @Test func dotMatchesADoubleLoop() {
    var random = SeededGenerator(seed: 7)
    let other = Self.vector.indices.map { _ in Float.random(in: -10...10, using: &random) }
    let compact = BlockQuantizedVector(Self.vector)
    let stored = Self.dequantized(compact)
    let dot = compact.dot(with: other)
    // Tight against the stored values: Float sums of 16 products within a block.
    let exact = zip(stored, other).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    let magnitude = zip(stored, other).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
    #expect(abs(dot - exact) <= 1e-6 * magnitude, "off by \(abs(dot - exact)) of \(magnitude)")
    // Loose against the original values: each element is within half a step of its block.
    let original = zip(Self.vector, other).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    let rounding = Self.vector.indices.reduce(0.0) {
      $0 + abs(Double(other[$1])) * Self.blockMaximum(Self.vector, at: $1) / 65534
    }
    #expect(abs(dot - original) <= 1.01 * rounding + 1e-6 * magnitude)
  }

  @Test func addScaledMatchesADoubleLoop() {
    var random = SeededGenerator(seed: 8)
    let start = Self.vector.indices.map { _ in Float.random(in: -1e3...1e3, using: &random) }
    let alpha = -0.37
    let compact = BlockQuantizedVector(Self.vector)
    let stored = Self.dequantized(compact)
    var result = start
    compact.addScaled(alpha, into: &result)
    var worstStored: Double = 0
    var worstOriginal: Double = 0
    for i in start.indices {
      let exact = Double(start[i]) + alpha * Double(stored[i])
      let size = abs(Double(start[i])) + abs(alpha * Double(stored[i]))
      worstStored = max(worstStored, abs(Double(result[i]) - exact) / max(size, 1e-30))
      let original = Double(start[i]) + alpha * Double(Self.vector[i])
      let bound = abs(alpha) * Self.blockMaximum(Self.vector, at: i) / 65534 * 1.01 + 1e-6 * size
      worstOriginal = max(worstOriginal, abs(Double(result[i]) - original) / max(bound, 1e-30))
    }
    #expect(worstStored < 1e-6, "relative error against the stored values: \(worstStored)")
    #expect(worstOriginal <= 1, "error against the original values: \(worstOriginal) of the bound")
  }

  @Test func wholeVectorOperationsAreDeterministic() {
    // 400 blocks: the parallel paths run, and sums must come out with the same bits.
    var random = SeededGenerator(seed: 9)
    let vector = (0..<(400 * 256 + 3)).map { _ in Float.random(in: -5...5, using: &random) }
    let other = vector.map { $0 * 0.3 + 1 }
    let dots = (0..<5).map { _ in BlockQuantizedVector(vector).dot(with: other).bitPattern }
    #expect(Set(dots).count == 1)
  }
}
