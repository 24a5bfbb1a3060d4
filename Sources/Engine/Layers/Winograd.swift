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
        // transformed (C, 36, ld); products (outC, 36, ld) right after it; n tiles, ld >= n
        func products(_ transformed: UnsafeMutablePointer<Float>, tiles n: Int, positions: Range<Int>) {
          let ld = TileTransforms.rowLength(n)
          let products = transformed + 36 * inChannels * ld
          for position in positions {
            gemm(
              u + position * outChannels * inChannels, transformed + position * ld,
              into: products + position * ld, m: outChannels, n: n, k: inChannels,
              rowStrideB: 36 * ld, rowStrideC: 36 * ld)
          }
        }
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
              products(transformed, tiles: tiles.count, positions: 0..<36)
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
            products(transformed, tiles: tileCount, positions: chunk)
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
}

/// The input and output transforms of `WinogradConvolution.apply`, eight tiles at a time (their
/// adjoints, for `applyAdjoint`, are in WinogradAdjoint.swift).
///
/// Rows of the padded image are first split into 4 phases, phase k holding columns 4 tx + k, so
/// that column j of eight neighbouring tiles is one SIMD load (phase j % 4, shifted by j / 4).
struct TileTransforms: @unchecked Sendable {
  typealias Vector = SIMD8<Float>
  typealias Sextet = (Vector, Vector, Vector, Vector, Vector, Vector)
  typealias Quartet = (Vector, Vector, Vector, Vector)
  let tilesAcross: Int
  /// Fused into the output transform when present: ReLU(x + bias).
  let bias: UnsafePointer<Float>?

  /// Scratch elements one worker needs: 6 rows x 4 phases of a tile row, padded for SIMD.
  static func rowSpace(tilesAcross: Int) -> Int { 24 * phaseLength(tilesAcross) }

  static func phaseLength(_ tiles: Int) -> Int { (tiles + 1 + 7) / 8 * 8 + 8 }

  /// The distance between the rows of n tiles in the transformed input and the products: room
  /// for a whole SIMD group past the last tile (a tile row's last group may start anywhere),
  /// and not a multiple of 1 KB (rows 1 KB apart share cache sets).
  static func rowLength(_ n: Int) -> Int {
    let length = (n + 7) / 8 * 8 + 8
    return length % 256 == 0 ? length + 8 : length
  }

  /// Calls `body(ty, txs, offset)` for each tile row that `tiles` (numbered t = ty * TX + tx)
  /// touches: the columns `txs` of that row and the index of its first tile within `tiles`.
  func forEachRow(of tiles: Range<Int>, _ body: (Int, Range<Int>, Int) -> Void) {
    var ty = tiles.lowerBound / tilesAcross
    while ty * tilesAcross < tiles.upperBound {
      let first = max(tiles.lowerBound, ty * tilesAcross)
      let last = min(tiles.upperBound, (ty + 1) * tilesAcross)
      body(ty, (first - ty * tilesAcross)..<(last - ty * tilesAcross), first - tiles.lowerBound)
      ty += 1
    }
  }

  /// B^T x for x = (x0 ... x5), B^T the (6, 6) input transform of F(4x4, 3x3).
  @inline(__always)
  private static func inputTransform(
    _ x0: Vector, _ x1: Vector, _ x2: Vector, _ x3: Vector, _ x4: Vector, _ x5: Vector
  ) -> Sextet {
    let a = x4 - 4 * x2, b = x3 - 4 * x1  // shared by rows 1 and 2
    let c = x4 - x2, d = 2 * (x3 - x1)  // shared by rows 3 and 4
    return (4 * x0 - 5 * x2 + x4, a + b, a - b, c + d, c - d, 4 * x1 - 5 * x3 + x5)
  }

  /// A^T x for x = (x0 ... x5), A^T the (4, 6) output transform of F(4x4, 3x3).
  @inline(__always)
  private static func outputTransform(
    _ x0: Vector, _ x1: Vector, _ x2: Vector, _ x3: Vector, _ x4: Vector, _ x5: Vector
  ) -> Quartet {
    let a = x1 + x2, b = x1 - x2, c = x3 + x4, d = x3 - x4
    return (x0 + a + c, b + 2 * d, a + 4 * c, b + 8 * d + x5)
  }

  /// Writes the transformed tiles B^T d B of `tiles` for `channels` of `input`.
  // input (C, H+2, W+2); transformed (C, 36, ld), ld = rowLength(tiles.count); rows: `rowSpace`
  func input(
    _ input: PaddedPlanes, channels: Range<Int>, tiles: Range<Int>,
    into transformed: UnsafeMutablePointer<Float>, rows: UnsafeMutablePointer<Float>
  ) {
    let (rowStride, paddedRows) = (input.rowStride, input.height + 2)
    let ld = Self.rowLength(tiles.count)
    forEachRow(of: tiles) { ty, txs, offset in
      let across = txs.count
      let length = Self.phaseLength(across)
      let phases = rows  // (6 rows, 4 phases, length): phase k of row i holds column 4 tx + k
      let columns = 4 * txs.lowerBound
      // tiles whose 4 columns all exist in the padded row
      let full = max(0, min(across + 1, (rowStride - columns) / 4))
      for c in channels {
        let plane = input.base + c * input.planeStride
        for i in 0..<6 {
          let y = 4 * ty + i
          let target = phases + i * 4 * length
          guard y < paddedRows else {
            target.update(repeating: 0, count: 4 * length)
            continue
          }
          let row = plane + y * rowStride + columns
          for tx in 0..<full {
            for k in 0..<4 { target[k * length + tx] = row[4 * tx + k] }
          }
          for tx in full..<length {
            for k in 0..<4 {
              target[k * length + tx] = tx <= across && columns + 4 * tx + k < rowStride
                ? row[4 * tx + k] : 0
            }
          }
        }
        let base = transformed + c * 36 * ld + offset
        func load(_ i: Int, _ j: Int, _ t: Int) -> Vector {
          UnsafeRawPointer(phases + (i * 4 + j % 4) * length + t + j / 4)
            .loadUnaligned(as: Vector.self)
        }
        for t in stride(from: 0, to: across, by: 8) {
          // B^T along each of the 6 rows of the tiles (h_i), then down each column (v_s)
          func row(_ i: Int) -> Sextet {
            Self.inputTransform(
              load(i, 0, t), load(i, 1, t), load(i, 2, t), load(i, 3, t), load(i, 4, t),
              load(i, 5, t))
          }
          let (h0, h1, h2, h3, h4, h5) = (row(0), row(1), row(2), row(3), row(4), row(5))
          func store(_ v: Sextet, column s: Int) {
            // a last, partial group spills into the row's padding
            let target = base + s * ld + t
            Self.store(v.0, to: target)
            Self.store(v.1, to: target + 6 * ld)
            Self.store(v.2, to: target + 12 * ld)
            Self.store(v.3, to: target + 18 * ld)
            Self.store(v.4, to: target + 24 * ld)
            Self.store(v.5, to: target + 30 * ld)
          }
          store(Self.inputTransform(h0.0, h1.0, h2.0, h3.0, h4.0, h5.0), column: 0)
          store(Self.inputTransform(h0.1, h1.1, h2.1, h3.1, h4.1, h5.1), column: 1)
          store(Self.inputTransform(h0.2, h1.2, h2.2, h3.2, h4.2, h5.2), column: 2)
          store(Self.inputTransform(h0.3, h1.3, h2.3, h3.3, h4.3, h5.3), column: 3)
          store(Self.inputTransform(h0.4, h1.4, h2.4, h3.4, h4.4, h5.4), column: 4)
          store(Self.inputTransform(h0.5, h1.5, h2.5, h3.5, h4.5, h5.5), column: 5)
        }
      }
    }
  }

  @inline(__always)
  static func store(_ value: Vector, to target: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(target).storeBytes(of: value, as: Vector.self)
  }

  /// Writes A^T M A of `tiles` for `channels` of `products` into the interior of `output`.
  // products (outC, 36, ld), ld = rowLength(tiles.count); output (outC, H+2, W+2)
  func output(
    _ products: UnsafeMutablePointer<Float>, channels: Range<Int>, tiles: Range<Int>,
    into output: PaddedPlanes
  ) {
    let (height, width, rowStride) = (output.height, output.width, output.rowStride)
    let ld = Self.rowLength(tiles.count)
    forEachRow(of: tiles) { ty, txs, offset in
      let across = txs.count
      let columns = 4 * txs.lowerBound
      let rowsInside = min(4, height - 4 * ty)
      for o in channels {
        let plane = output.base + o * output.planeStride + (4 * ty + 1) * rowStride + 1
        let b = Vector(repeating: bias?[o] ?? 0)
        let base = products + o * 36 * ld + offset
        for t in stride(from: 0, to: across, by: 8) {
          func load(_ r: Int, _ s: Int) -> Vector {
            UnsafeRawPointer(base + (r * 6 + s) * ld + t).loadUnaligned(as: Vector.self)
          }
          // A^T along each of the 6 rows (a_r), then down each of the 4 columns (y_j)
          func row(_ r: Int) -> Quartet {
            Self.outputTransform(load(r, 0), load(r, 1), load(r, 2), load(r, 3), load(r, 4), load(r, 5))
          }
          let (a0, a1, a2, a3, a4, a5) = (row(0), row(1), row(2), row(3), row(4), row(5))
          var y = (
            Self.outputTransform(a0.0, a1.0, a2.0, a3.0, a4.0, a5.0),
            Self.outputTransform(a0.1, a1.1, a2.1, a3.1, a4.1, a5.1),
            Self.outputTransform(a0.2, a1.2, a2.2, a3.2, a4.2, a5.2),
            Self.outputTransform(a0.3, a1.3, a2.3, a3.3, a4.3, a5.3)
          )  // y.j.i: output row i, column j of the eight tiles
          if bias != nil {
            // (the standard library's pointwiseMax is an unspecialised call here, 8 % of a
            // video frame's time in `perf`; a mask and a blend are two instructions)
            func relu(_ v: Vector) -> Vector { v.replacing(with: 0, where: v .< 0) }
            func relu(_ q: Quartet) -> Quartet {
              (relu(q.0 + b), relu(q.1 + b), relu(q.2 + b), relu(q.3 + b))
            }
            y = (relu(y.0), relu(y.1), relu(y.2), relu(y.3))
          }
          let x0 = columns + 4 * t  // the group's first column
          let lanes = min(8, across - t)
          let inside = x0 + 32 <= width ? 32 : width - x0  // columns of the group inside
          for i in 0..<rowsInside {
            let values: (Vector, Vector, Vector, Vector)
            switch i {
            case 0: values = (y.0.0, y.1.0, y.2.0, y.3.0)
            case 1: values = (y.0.1, y.1.1, y.2.1, y.3.1)
            case 2: values = (y.0.2, y.1.2, y.2.2, y.3.2)
            default: values = (y.0.3, y.1.3, y.2.3, y.3.3)
            }
            let target = plane + i * rowStride + x0
            if inside == 32 && lanes == 8 {
              for lane in 0..<8 {
                let p = target + 4 * lane
                p[0] = values.0[lane]
                p[1] = values.1[lane]
                p[2] = values.2[lane]
                p[3] = values.3[lane]
              }
            } else {
              for x in 0..<min(inside, 4 * lanes) {
                let (lane, j) = (x / 4, x % 4)
                let v = j == 0 ? values.0 : j == 1 ? values.1 : j == 2 ? values.2 : values.3
                target[x] = v[lane]
              }
            }
          }
        }
        if bias != nil {
          for i in 0..<rowsInside {
            if txs.lowerBound == 0 { plane[i * rowStride - 1] = 0 }
            if txs.upperBound == tilesAcross { plane[i * rowStride + width] = 0 }
          }
        }
      }
    }
  }
}
