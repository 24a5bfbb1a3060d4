// Block floating point for L-BFGS's history. The pairs (s, y) are nearly all of the optimiser's
// memory and are only read in dot products and axpys, which need ~1e-4 relative accuracy, not
// Float's 1e-7. Int16 rather than Float16: the default x86-64 target has no F16C, so Float16
// conversions are library calls, while Int16 ⇄ Float converts in plain SIMD.

/// A Float vector stored as blocks of Int16 values with one Float scale per block: about 2.02
/// bytes an element instead of 4.
///
/// Element i of block b reads `scales[b] * Float(values[i])`, where `scales[b]` is the block's
/// largest magnitude / 32767 and `values[i]` is rounded to nearest, so each element is within
/// `scales[b] / 2` (max |block| / 65534) of the original. A block whose largest magnitude is below
/// 32767 * `Float.leastNormalMagnitude` (~4e-34) is stored as zeros; a block holding a NaN or an
/// infinity reads as NaN. The loops run on SIMD16 lanes; whole-vector operations also run over the
/// cores, and their sums are added in block order, so they give the same bits every run.
struct BlockQuantizedVector {
  /// Elements per block; a multiple of 16, the SIMD width of the loops.
  static let blockSize = 256

  /// The number of elements.
  private(set) var count = 0
  /// One scale per block: its largest magnitude / 32767 (0 for zeros, NaN if not finite).
  private var scales: [Float] = []
  /// Each element divided by its block's scale, rounded to nearest: -32767...32767.
  private var values: [Int16] = []

  /// An empty vector; `overwrite(with:)` gives it its size.
  init() {}

  /// The block floating-point form of `vector`.
  init(_ vector: [Float]) {
    overwrite(with: vector)
  }

  /// The number of blocks, the last one possibly partial.
  var blockCount: Int { scales.count }

  /// The bytes of storage held (values and scales).
  var byteCount: Int { 2 * values.capacity + 4 * scales.capacity }

  /// The number of blocks for `count` elements.
  static func blockCount(for count: Int) -> Int { (count + blockSize - 1) / blockSize }

  /// The elements of block `block` in a vector of `count` elements.
  static func elements(ofBlock block: Int, count: Int) -> Range<Int> {
    block * blockSize..<min(count, (block + 1) * blockSize)
  }

  /// Replaces the contents with `vector`, reusing the storage when the size is unchanged.
  mutating func overwrite(with vector: [Float]) {
    if vector.count != count {
      count = vector.count
      scales = [Float](repeating: 0, count: Self.blockCount(for: count))
      values = [Int16](repeating: 0, count: count)
    }
    let count = count
    vector.withUnsafeBufferPointer { vector in
      scales.withUnsafeMutableBufferPointer { scales in
        values.withUnsafeMutableBufferPointer { values in
          parallelChunks(0..<scales.count, minimumChunk: 8) { blocks in
            for block in blocks {
              let elements = Self.elements(ofBlock: block, count: count)
              scales[block] = Self.quantize(vector, into: values, elements)
            }
          }
        }
      }
    }
  }

  /// Writes the stored (rounded) values into `vector`, which must have `count` elements.
  func dequantize(into vector: inout [Float]) {
    precondition(vector.count == count, "dequantize: the vector has the wrong length")
    vector.withUnsafeMutableBufferPointer { vector in
      parallelChunks(0..<blockCount, minimumChunk: 8) { blocks in
        for block in blocks {
          for i in Self.elements(ofBlock: block, count: count) { vector[i] = 0 }
          addScaled(1, into: vector, block: block)  // 0 + 1 * scale * q is exactly scale * q
        }
      }
    }
  }

  /// self'vector of the stored values, accumulated in Float within a block and in Double across.
  func dot(with vector: [Float]) -> Double {
    precondition(vector.count == count, "dot: the vector has the wrong length")
    return vector.withUnsafeBufferPointer { vector in
      blockwiseSum(blockCount: blockCount) { dot(with: vector, block: $0) }
    }
  }

  /// vector += alpha * self, of the stored values.
  func addScaled(_ alpha: Double, into vector: inout [Float]) {
    precondition(vector.count == count, "addScaled: the vector has the wrong length")
    vector.withUnsafeMutableBufferPointer { vector in
      parallelChunks(0..<blockCount, minimumChunk: 8) { blocks in
        for block in blocks { addScaled(alpha, into: vector, block: block) }
      }
    }
  }

  // The stdlib's SIMD16<Int16> → SIMD16<Float> conversion is an out-of-line call; the plain
  // loops below are vectorised by LLVM instead (sign extension and cvtdq2ps), and only the sum
  // is written with SIMD lanes, which LLVM does not reassociate on its own.

  /// Block `block`'s part of self'vector; `vector` is the whole vector.
  func dot(with vector: UnsafeBufferPointer<Float>, block: Int) -> Double {
    let elements = Self.elements(ofBlock: block, count: count)
    let sum = values.withUnsafeBufferPointer { values in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.blockSize) { products in
        let q = UnsafeBufferPointer(rebasing: values[elements])
        let v = UnsafeBufferPointer(rebasing: vector[elements])
        for i in q.indices { products[i] = Float(q[i]) * v[i] }
        let full = elements.count / 16 * 16
        var lanes = Lanes()
        for start in stride(from: 0, to: full, by: 16) {
          lanes += UnsafeRawBufferPointer(products).loadUnaligned(
            fromByteOffset: 4 * start, as: Lanes.self)
        }
        return products[full..<elements.count].reduce(lanes.sum(), +)
      }
    }
    return Double(scales[block]) * Double(sum)
  }

  /// Block `block`'s part of vector += alpha * self; `vector` is the whole vector.
  func addScaled(_ alpha: Double, into vector: UnsafeMutableBufferPointer<Float>, block: Int) {
    let factor = Float(alpha * Double(scales[block]))
    let elements = Self.elements(ofBlock: block, count: count)
    values.withUnsafeBufferPointer { values in
      let q = UnsafeBufferPointer(rebasing: values[elements])
      let v = UnsafeMutableBufferPointer(rebasing: vector[elements])
      for i in q.indices { v[i] += factor * Float(q[i]) }
    }
  }

  private typealias Lanes = SIMD16<Float>

  /// Rounds `vector[elements]` to Int16 multiples of the block's scale and returns the scale.
  private static func quantize(
    _ vector: UnsafeBufferPointer<Float>, into values: UnsafeMutableBufferPointer<Int16>,
    _ elements: Range<Int>
  ) -> Float {
    let source = UnsafeRawBufferPointer(vector)
    // The largest magnitude, and x - x summed: 0 if every element is finite, NaN otherwise.
    // (pointwiseMax and rounded() are scalar or library calls on this target; masks are not.)
    var largest = Lanes()
    var finiteness = Lanes()
    var i = elements.lowerBound
    while i + 16 <= elements.upperBound {
      let x = source.loadUnaligned(fromByteOffset: 4 * i, as: Lanes.self)
      let magnitude = unsafeBitCast(
        unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7fff_ffff, to: Lanes.self)
      largest.replace(with: magnitude, where: magnitude .> largest)
      finiteness += x - x
      i += 16
    }
    var largestMagnitude = largest.max()
    var isFinite = finiteness.sum() == 0
    for i in i..<elements.upperBound {
      largestMagnitude = max(largestMagnitude, abs(vector[i]))
      isFinite = isFinite && vector[i].isFinite
    }
    guard isFinite, largestMagnitude >= 32767 * .leastNormalMagnitude else {
      for i in elements { values[i] = 0 }
      return isFinite ? 0 : .nan
    }
    // x * inverse is at most 32767 * (1 + 2^-23) in magnitude, so it rounds into Int16 range.
    // Adding 1.5 * 2^23 rounds to an integer (to nearest, ties to even), held in the low bits.
    let inverse = 32767 / largestMagnitude
    let rounding: Float = 12_582_912
    let destination = UnsafeMutableRawBufferPointer(values)
    i = elements.lowerBound
    while i + 16 <= elements.upperBound {
      let x = source.loadUnaligned(fromByteOffset: 4 * i, as: Lanes.self)
      let shifted = unsafeBitCast(x * inverse + rounding, to: SIMD16<Int32>.self)
      let q = SIMD16<Int16>(truncatingIfNeeded: shifted &- Int32(rounding.bitPattern))
      destination.storeBytes(of: q, toByteOffset: 2 * i, as: SIMD16<Int16>.self)
      i += 16
    }
    for i in i..<elements.upperBound {
      let shifted = Int32(bitPattern: (vector[i] * inverse + rounding).bitPattern)
      values[i] = Int16(truncatingIfNeeded: shifted &- Int32(rounding.bitPattern))
    }
    return largestMagnitude / 32767
  }
}

/// The sum of `term(block)` over blocks 0 ..< `blockCount`: the terms are computed over the
/// cores and added in block order, so the result has the same bits whatever the core count.
func blockwiseSum(blockCount: Int, _ term: (_ block: Int) -> Double) -> Double {
  withUnsafeTemporaryAllocation(of: Double.self, capacity: blockCount) { terms in
    parallelChunks(0..<blockCount, minimumChunk: 8) { blocks in
      for block in blocks { terms[block] = term(block) }
    }
    return terms.reduce(0, +)
  }
}
