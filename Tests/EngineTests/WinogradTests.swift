import Foundation
import Testing

@testable import Engine

/// Runs a Winograd convolution on a tensor through padded planes.
func applyWinograd(
  _ kernel: WinogradConvolution, _ input: Tensor, bias: [Float]? = nil,
  blockBudget: Int = 1 << 19, minimumTilesPerCore: Int = 256
) -> PaddedPlanes {
  let (h, w) = (input.shape[1], input.shape[2])
  let source = PaddedPlanes(channels: kernel.inChannels, height: h, width: w)
  source.load(input)
  let target = PaddedPlanes(channels: kernel.outChannels, height: h, width: w)
  kernel.apply(source, into: target, scratch: Scratch(), bias: bias, blockBudget: blockBudget,
    minimumTilesPerCore: minimumTilesPerCore)
  return target
}

@Suite struct WinogradTests {
  /// (C, O, H, W): a single pixel, sizes that are no multiple of either tile, one row, one column.
  static let shapes = [(3, 5, 1, 1), (5, 3, 9, 7), (4, 6, 1, 5), (6, 4, 8, 1), (2, 9, 13, 11)]
  /// `shapes`, one of 80 tiles (more than `NarrowProducts` takes) and one 45 wide (whole groups
  /// of eight tiles with room past them, which the transforms store as vectors).
  static let largerShapes = shapes + [(4, 3, 37, 29), (3, 4, 10, 45)]

  /// The error bound, relative to the largest output: Float rounding in the transforms (entries
  /// up to 8 in A^T and 5 in B^T) amplifies the sums' 1e-7 relative rounding by up to ~1e3;
  /// measured: 3e-6 at 64 channels (below).
  static let tolerance: Float = 1e-4

  /// Block budgets (bytes) and minimum tiles per core for `c` -> `o` channels: one block on both
  /// cores; then per-core blocks of the smallest size, and of 5 tiles (which straddle tile rows
  /// and band edges).
  static func blockings(_ c: Int, _ o: Int) -> [(budget: Int, split: Int)] {
    let perTile = 36 * (c + o)
    return [(1 << 19, 256), (1, 1), (5 * perTile, 1)]
  }

  /// Expects `output` within `tolerance` of `expected`, relative to the largest expected value
  /// (or 1, whichever is larger).
  static func expectClose(
    _ output: [Float], _ expected: [Float], _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let scale = max(1, expected.map(abs).max() ?? 1)
    let difference = maxAbsDifference(output, expected)
    #expect(
      difference < tolerance * scale, "\(label): max abs diff \(difference)",
      sourceLocation: sourceLocation)
  }

  /// On `largerShapes` (up to 12 tiles: `NarrowProducts`; 80: sgemm when in one block), as one
  /// block and in blocks of 1 and 5 tiles.
  @Test
  func matchesTheDirectConvolution() {
    for (index, (c, o, h, w)) in Self.largerShapes.enumerated() {
      let input = Tensor(randomUniform: [c, h, w], seed: UInt64(index))
      let weights = Tensor(randomUniform: [o, c, 3, 3], seed: UInt64(100 + index)).scalars
      let expected = directConvolution(input, weights: weights, outChannels: o).scalars
      let kernel = WinogradConvolution(weights: weights, outChannels: o, inChannels: c)
      for (budget, split) in Self.blockings(c, o) {
        let output = applyWinograd(
          kernel, input, blockBudget: budget, minimumTilesPerCore: split)
        Self.expectClose(
          output.tensor().scalars, expected, "\(c)->\(o) on \(h)x\(w), budget \(budget)")
      }
    }
  }

  /// With a bias, the output is ReLU(conv + bias) and the whole border stays zero.
  @Test
  func openBLASGetsBackAllItsThreads() {
    let input = Tensor(randomUniform: [3, 9, 11], seed: 7)
    let weights = Tensor(randomUniform: [4, 3, 3, 3], seed: 8).scalars
    _ = applyWinograd(
      WinogradConvolution(weights: weights, outChannels: 4, inChannels: 3), input, blockBudget: 1,
      minimumTilesPerCore: 1)
    // OpenBLAS starts with OPENBLAS_NUM_THREADS or one thread per core (its own count).
    let expected = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"].flatMap { Int($0) }
      ?? ProcessInfo.processInfo.activeProcessorCount
    #expect(blasThreadCount == expected)
  }

  @Test
  func fusedBiasAndReLUKeepTheBorderZero() {
    let (c, o, h, w) = (3, 5, 7, 9)
    let input = Tensor(randomUniform: [c, h, w], seed: 1)
    let weights = Tensor(randomUniform: [o, c, 3, 3], seed: 2).scalars
    let bias: [Float] = [0.5, -0.5, 0.1, 0, -1]
    let kernel = WinogradConvolution(weights: weights, outChannels: o, inChannels: c)
    let target = applyWinograd(kernel, input, bias: bias, blockBudget: 1, minimumTilesPerCore: 1)
    let expected = directConvolution(input, weights: weights, bias: bias, outChannels: o).scalars
      .map { max(0, $0) }
    #expect(maxAbsDifference(target.tensor().scalars, expected) < Self.tolerance * 10)
    for c in 0..<o {
      for y in 0..<(h + 2) {
        for x in 0..<(w + 2) where y == 0 || y == h + 1 || x == 0 || x == w + 1 {
          #expect(target.base[c * target.planeStride + y * (w + 2) + x] == 0)
        }
      }
    }
  }

  /// The backward pass runs the algorithm backwards on the same kernels; compared with the
  /// direct convolution on the adjoint (transposed, flipped) weights, on `largerShapes`, as one
  /// block and in bands of blocks over both cores (blocks of 1 and 5 tiles, which straddle tile
  /// rows and band edges). The target starts out full of garbage: every element is written.
  @Test
  func adjointMatchesTheDirectAdjointConvolution() {
    for (index, (c, o, h, w)) in Self.largerShapes.enumerated() {
      let gradient = Tensor(randomUniform: [o, h, w], seed: UInt64(200 + index))
      let weights = Tensor(randomUniform: [o, c, 3, 3], seed: UInt64(300 + index)).scalars
      let expected = directConvolution(
        gradient, weights: ShiftedConvolution.adjointWeights(weights, outChannels: o, inChannels: c),
        outChannels: c
      ).scalars
      let kernel = WinogradConvolution(weights: weights, outChannels: o, inChannels: c)
      let source = PaddedPlanes(gradient)
      for (budget, split) in Self.blockings(c, o) {
        let target = PaddedPlanes(channels: c, height: h, width: w)
        target.base.update(repeating: .nan, count: target.count)
        kernel.applyAdjoint(
          source, into: target, scratch: Scratch(), blockBudget: budget,
          minimumTilesPerCore: split)
        Self.expectClose(
          target.tensor().scalars, expected, "\(o)->\(c) adjoint on \(h)x\(w), budget \(budget)")
      }
    }
  }

  /// The adjoint is the derivative of loss = sum(r * conv(x)), checked by finite differences.
  @Test
  func adjointMatchesFiniteDifferences() {
    let loss = AdjointLoss()
    let target = PaddedPlanes(channels: loss.c, height: loss.h, width: loss.w)
    WinogradConvolution(weights: loss.weights, outChannels: loss.o, inChannels: loss.c)
      .applyAdjoint(PaddedPlanes(loss.r), into: target, scratch: Scratch())
    let check = loss.check(target.tensor().scalars)
    print("gradient check WinogradTests: \(check)")
    #expect(check.maxAbsDifference < 1e-3, "\(check)")
    #expect(check.maxRelativeDifference < 1e-3, "\(check)")
  }

  /// At VGG's width (64 channels, He-scaled weights, ReLU-like non-negative input) the relative
  /// error stays far below the 1e-3 the losses are held to.
  @Test
  func errorAtVGGWidth() {
    let (c, o, h, w) = (64, 64, 19, 23)
    let input = Tensor(randomUniform: [c, h, w], in: 0...1, seed: 6)
    let limit = (6 / Float(9 * c)).squareRoot()
    let weights = Tensor(randomUniform: [o, c, 3, 3], in: -limit...limit, seed: 7).scalars
    let expected = directConvolution(input, weights: weights, outChannels: o).scalars
    let scale = expected.map(abs).max() ?? 1
    let kernel = WinogradConvolution(weights: weights, outChannels: o, inChannels: c)
    let difference = maxAbsDifference(applyWinograd(kernel, input).tensor().scalars, expected)
    print("WinogradTests at 64 channels: max abs diff \(difference), scale \(scale)")
    #expect(difference < Self.tolerance * scale)
  }
}

@Suite struct NarrowProductsTests {
  /// C = A B and C = A^T B against the sums written out, for 1 to 16 columns, row counts that
  /// are and are not multiples of the kernels' blocks (6 rows forward, 4 back), and strides
  /// wider than the rows; columns n ..< 16 of C come out zero and nothing past them is written.
  @Test(arguments: [(1, 6, 5), (5, 13, 7), (12, 64, 37), (16, 7, 12), (9, 4, 1)])
  func matchTheSumsWrittenOut(n: Int, m: Int, k: Int) {
    for transposed in [false, true] {
      let a = Tensor(randomUniform: [m * k], seed: UInt64(n * 100 + m)).scalars
      let (strideB, strideC) = (n + 3, 21)
      let b = Tensor(randomUniform: [k * strideB], seed: UInt64(k)).scalars
      var c = [Float](repeating: .nan, count: m * strideC)
      var buffer = [Float](repeating: .nan, count: NarrowProducts.bufferCount(rows: m, depth: k))
      a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
          NarrowProducts.multiply(
            a.baseAddress!, transposeA: transposed, b.baseAddress!, into: &c, m: m, n: n, k: k,
            rowStrideB: strideB, rowStrideC: strideC, buffer: &buffer)
        }
      }
      for row in 0..<m {
        for column in 0..<strideC {
          let value = c[row * strideC + column]
          if column >= NarrowProducts.columns {
            #expect(value.isNaN, "\(transposed) (\(row), \(column)) was written")
          } else if column >= n {
            #expect(value == 0, "\(transposed) (\(row), \(column)) = \(value)")
          } else {
            var sum = 0.0
            for i in 0..<k {
              let left = transposed ? a[i * m + row] : a[row * k + i]
              sum += Double(left) * Double(b[i * strideB + column])
            }
            #expect(
              abs(Double(value) - sum) < 1e-5 * Double(k),
              "\(transposed) m \(m) n \(n) k \(k) (\(row), \(column)): \(value) vs \(sum)")
          }
        }
      }
    }
  }
}
