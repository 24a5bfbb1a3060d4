// Winograd's minimal filtering for 3x3 convolutions: Lavin & Gray 2016, "Fast Algorithms for
// Convolutional Neural Networks" (CVPR), F(4x4, 3x3) with interpolation points 0, ±1, ±2, ∞.
// Each 4x4 output tile is
//   Y = A^T [ sum_i (G g_i G^T) ⊙ (B^T d_i B) ] A
// over input channels i, with d_i the 6x6 input tile and g_i the 3x3 kernel. The sum over
// channels at each of the 36 tile positions is a matrix product, batched over tiles. It needs
// 36/144 of the direct convolution's multiplies; in Float its relative error is about 3e-6 on
// VGG's layers (F(2x2) was about 10x more accurate but not faster here).

/// A 3x3 convolution (padding 1, stride 1) computed with Winograd's F(4x4, 3x3).
package struct WinogradConvolution {
  let inChannels: Int
  let outChannels: Int
  /// The transformed kernels U = G g G^T, (36, outC, inC).
  let transformedWeights: [Float]

  /// G, (6, 3), row-major.
  static let kernelTransform: [Double] = [
    1.0 / 4, 0, 0,
    -1.0 / 6, -1.0 / 6, -1.0 / 6,
    -1.0 / 6, 1.0 / 6, -1.0 / 6,
    1.0 / 24, 1.0 / 12, 1.0 / 6,
    1.0 / 24, -1.0 / 12, 1.0 / 6,
    0, 0, 1,
  ]

  /// Transforms `weights`, (outC, inC, 3, 3) row-major (PyTorch's OIHW), in Double.
  package init(weights: [Float], outChannels: Int, inChannels: Int) {
    precondition(weights.count == outChannels * inChannels * 9, "weights must be (outC, inC, 3, 3)")
    self.inChannels = inChannels
    self.outChannels = outChannels
    let g = Self.kernelTransform
    let count = 36 * outChannels * inChannels
    // weight (o, i, a, b); U (r, s, o, i) = sum_ab G[r][a] w[a][b] G[s][b]
    transformedWeights = [Float](unsafeUninitializedCapacity: count) { target, initialized in
      weights.withUnsafeBufferPointer { weights in
        var half = (0..<18).map { _ in 0.0 }  // G w, (6, 3)
        for o in 0..<outChannels {
          for i in 0..<inChannels {
            let w = weights.baseAddress.unsafelyUnwrapped + (o * inChannels + i) * 9
            for r in 0..<6 {
              for b in 0..<3 {
                half[r * 3 + b] =
                  g[r * 3] * Double(w[b]) + g[r * 3 + 1] * Double(w[3 + b])
                  + g[r * 3 + 2] * Double(w[6 + b])
              }
            }
            for r in 0..<6 {
              for s in 0..<6 {
                let value =
                  half[r * 3] * g[s * 3] + half[r * 3 + 1] * g[s * 3 + 1] + half[r * 3 + 2]
                  * g[s * 3 + 2]
                target[((r * 6 + s) * outChannels + o) * inChannels + i] = Float(value)
              }
            }
          }
        }
      }
      initialized = count
    }
  }

  /// Elements of scratch space (transformed input plus products) per block of tiles when each
  /// core runs its own blocks: small enough to stay in its cache.
  nonisolated(unsafe) package static var defaultBlockBudget = 1 << 19
  /// Below this many tiles per core the image is one block whose work both cores share.
  nonisolated(unsafe) package static var minimumTilesPerCore = 256

  /// Whether each core runs its own blocks of `tileCount` tiles (`split`; else the image is one
  /// block whose work both cores share), and the tiles per block.
  ///
  /// Blocks fill `budget` elements of scratch, but hold at least 2 C outC / (C + outC) tiles:
  /// each block streams all of U, (36, outC, C), through the cache, which must not outweigh it.
  func blocking(of tileCount: Int, budget: Int, minimumTilesPerCore: Int)
    -> (split: Bool, tilesPerBlock: Int)
  {
    guard coreCount > 1 && tileCount >= coreCount * minimumTilesPerCore else {
      return (false, tileCount)
    }
    let perTile = 36 * (inChannels + outChannels)
    let leastForTheKernels = 2 * inChannels * outChannels / (inChannels + outChannels)
    let tiles = min(
      (tileCount + coreCount - 1) / coreCount, max(budget / perTile, leastForTheKernels))
    return (true, max(1, tiles))
  }

  /// Overwrites the interior of `output` with the convolution of `input`; with `bias`, applies
  /// ReLU(x + bias) and zeroes the side borders too. Other border elements are not written.
  ///
  /// Tiles are numbered row by row, t = ty * TX + tx, and processed in blocks of consecutive
  /// tiles. Large images: each core takes every other block and runs the input transform, the
  /// 36 products (single-threaded sgemm) and the output transform on it, so a block stays in
  /// that core's cache. Small images (deep layers): one block; the transforms are split over
  /// channels and the 36 products over positions, one core each.
  // input (C, H+2, W+2) zero border; output (outC, H+2, W+2); bias (outC)
  // tiles (TY, TX) = (ceil(H/4), ceil(W/4)); tile (ty, tx) reads padded rows 4 ty ..< 4 ty + 6
  package func apply(
    _ input: PaddedPlanes, into output: PaddedPlanes, scratch: Scratch, bias: [Float]? = nil,
    blockBudget: Int = WinogradConvolution.defaultBlockBudget,
    minimumTilesPerCore: Int = WinogradConvolution.minimumTilesPerCore
  ) {
    precondition(input.channels == inChannels && output.channels == outChannels, "channel mismatch")
    precondition(input.height == output.height && input.width == output.width, "size mismatch")
    precondition(bias.map { $0.count == outChannels } ?? true, "bias must be (outC)")
    let tilesAcross = (input.width + 3) / 4
    let tileCount = tilesAcross * ((input.height + 3) / 4)
    let perTile = 36 * (inChannels + outChannels)
    let (split, blockTiles) = blocking(
      of: tileCount, budget: blockBudget, minimumTilesPerCore: minimumTilesPerCore)
    let blocks = (tileCount + blockTiles - 1) / blockTiles
    let rowSpace = TileTransforms.rowSpace(tilesAcross: tilesAcross)
    let workerSpace = perTile * TileTransforms.rowLength(blockTiles) + rowSpace
    let workers = split ? coreCount : 1
    let space = scratch.reserve(workers * workerSpace + coreCount * rowSpace)
    transformedWeights.withUnsafeBufferPointer { u in
      (bias ?? []).withUnsafeBufferPointer { biasBuffer in
        guard let u = u.baseAddress else { return }
        let transforms = TileTransforms(
          tilesAcross: tilesAcross, bias: bias == nil ? nil : biasBuffer.baseAddress)
        let restored = switchBLASToOneThread()
        defer { blasThreadCount = restored }
        if split {
          parallelChunks(0..<coreCount) { _, worker in
            let transformed = space + worker * workerSpace
            let rows = transformed + workerSpace - rowSpace
            for block in stride(from: worker, to: blocks, by: coreCount) {
              let tiles = (block * blockTiles)..<min(tileCount, (block + 1) * blockTiles)
              transforms.input(
                input, channels: 0..<inChannels, tiles: tiles, into: transformed, rows: rows)
              multiply(u, transformed, tiles: tiles.count, positions: 0..<36)
              transforms.output(
                transformed + 36 * inChannels * TileTransforms.rowLength(tiles.count),
                channels: 0..<outChannels, tiles: tiles, into: output)
            }
          }
        } else {
          let transformed = space, rows = space + workerSpace
          let all = 0..<tileCount
          parallelChunks(0..<inChannels) { chunk, worker in
            transforms.input(
              input, channels: chunk, tiles: all, into: transformed, rows: rows + worker * rowSpace)
          }
          parallelChunks(0..<36) { chunk, _ in
            multiply(u, transformed, tiles: tileCount, positions: chunk)
          }
          parallelChunks(0..<outChannels) { chunk in
            transforms.output(
              transformed + 36 * inChannels * TileTransforms.rowLength(tileCount), channels: chunk,
              tiles: all, into: output)
          }
        }
      }
    }
  }

  /// The products of `apply` (or, `adjoint`, of `applyAdjoint`) at `positions` (of the 36) for
  /// n tiles: M = U X at each position (or U^T X), one single-threaded sgemm each, or for at
  /// most 16 tiles a `NarrowProducts` product.
  // U (36, outC, C); transformed X (C, 36, ld) (adjoint: (outC, 36, ld)); products M (outC, 36,
  // ld) (adjoint: (C, 36, ld)) right after it; ld >= n
  func multiply(
    _ u: UnsafePointer<Float>, _ transformed: UnsafeMutablePointer<Float>, tiles n: Int,
    positions: Range<Int>, adjoint: Bool = false
  ) {
    let (rows, depth) = adjoint ? (inChannels, outChannels) : (outChannels, inChannels)
    let ld = TileTransforms.rowLength(n)
    let products = transformed + 36 * depth * ld
    if n <= NarrowProducts.columns {
      withUnsafeTemporaryAllocation(
        of: Float.self, capacity: NarrowProducts.bufferCount(rows: rows, depth: depth)
      ) { buffer in
        for position in positions {
          NarrowProducts.multiply(
            u + position * outChannels * inChannels, transposeA: adjoint,
            transformed + position * ld, into: products + position * ld, m: rows, n: n,
            k: depth, rowStrideB: 36 * ld, rowStrideC: 36 * ld,
            buffer: buffer.baseAddress.unsafelyUnwrapped)
        }
      }
      return
    }
    for position in positions {
      gemm(
        u + position * outChannels * inChannels, transposeA: adjoint, transformed + position * ld,
        into: products + position * ld, m: rows, n: n, k: depth, rowStrideB: 36 * ld,
        rowStrideC: 36 * ld)
    }
  }
}
