/// The input and output transforms of `WinogradConvolution.apply`, eight tiles at a time (their
/// adjoints, for `applyAdjoint`, are in AdjointTileTransforms.swift).
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
            Self.store(v, column: s, to: base + t, rowLength: ld)
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

  /// The 32 values a0 b0 c0 d0 a1 b1 c1 d1 ... a7 b7 c7 d7, as four vectors: the 4-column rows
  /// of eight tiles side by side, `a` holding each tile's column 0.
  @inline(__always)
  static func interleaved(_ a: Vector, _ b: Vector, _ c: Vector, _ d: Vector) -> (
    Vector, Vector, Vector, Vector
  ) {
    (
      Vector(a[0], b[0], c[0], d[0], a[1], b[1], c[1], d[1]),
      Vector(a[2], b[2], c[2], d[2], a[3], b[3], c[3], d[3]),
      Vector(a[4], b[4], c[4], d[4], a[5], b[5], c[5], d[5]),
      Vector(a[6], b[6], c[6], d[6], a[7], b[7], c[7], d[7])
    )
  }

  @inline(__always)
  static func store(_ value: Vector, to target: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(target).storeBytes(of: value, as: Vector.self)
  }

  /// Stores column `s` of eight tiles' 6x6 transforms, `v.r` being row r, into tiles laid out
  /// (36, ld) by position r * 6 + s from `base` (the group's first tile).
  @inline(__always)
  static func store(
    _ v: Sextet, column s: Int, to base: UnsafeMutablePointer<Float>, rowLength ld: Int
  ) {
    let target = base + s * ld
    store(v.0, to: target)
    store(v.1, to: target + 6 * ld)
    store(v.2, to: target + 12 * ld)
    store(v.3, to: target + 18 * ld)
    store(v.4, to: target + 24 * ld)
    store(v.5, to: target + 30 * ld)
  }

  /// Writes A^T M A of `tiles` for `channels` of `products` into the interior of `output`.
  // products (outC, 36, ld), ld = rowLength(tiles.count); output (outC, H+2, W+2)
  // A kernel, one loop nest (tile rows, channels, groups of eight tiles), kept whole: a group's
  // values stay in registers from the loads through both transforms to the stores.
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
              let quarters = Self.interleaved(values.0, values.1, values.2, values.3)
              Self.store(quarters.0, to: target)
              Self.store(quarters.1, to: target + 8)
              Self.store(quarters.2, to: target + 16)
              Self.store(quarters.3, to: target + 24)
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
